import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireSystemCommand } from '../system/require-system-command.js';
import {
  ARTIFACTS,
  DEMO_IMAGE,
  ensureViewerBuilt,
  launchChromium,
  type ScoredDaemon,
  startScoredDaemon,
} from './e2e-setup.js';

/**
 * Browser end-to-end for stored annotations and several tabs (issue #15 items 1 and 5), on the real daemon and
 * real Chromium: an annotation drawn and submitted is drawn as a layer and listed after a reload, edited into a
 * second version, then deleted; two pages on one slide see each other's patch as taken and each other's
 * annotations and slides without a reload. The tests share the daemon and run in order.
 */
const TOKEN = 'e2e-annot-token-0123456789';

interface Summary {
  id: string;
  version: number;
  areaPx: number;
  supersedes?: string;
  supersededBy?: string;
}

describe('annotations as a layer and a list, and several tabs, against the real daemon', () => {
  let browser: Browser | undefined;
  let daemon: ScoredDaemon | undefined;
  const errors: string[] = [];
  let first = '';

  const list = async (history = false) =>
    (
      await daemon!.api<{ annotations: Summary[] }>(
        `/api/slides/${daemon!.slideId}/annotations${history ? '?history=true' : ''}`,
      )
    ).annotations;

  const open = async (): Promise<Page> => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('pageerror', (e) => errors.push(e.message));
    // Deleting asks first; the person says yes.
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${daemon!.origin}/?token=${encodeURIComponent(TOKEN)}&slide=${daemon!.slideId}`);
    await page.waitForSelector('[data-testid="activeseg-status"] [data-connection="open"]', { timeout: 30_000 });
    await page.locator('[data-testid="activeseg-suggestions"] li').first().waitFor({ timeout: 30_000 });
    return page;
  };

  /** Paints a stroke across the middle of the outlined region. */
  const paint = async (page: Page, from = 0.25): Promise<void> => {
    await page.waitForSelector('[data-testid="activeseg-mask"]');
    await page.waitForTimeout(800); // the fly-to animation
    const box = (await page.locator('[data-testid="activeseg-outline"]').boundingBox())!;
    const y = box.y + box.height * 0.5;
    await page.mouse.move(box.x + box.width * from, y);
    await page.mouse.down();
    for (let i = 1; i <= 8; i++) await page.mouse.move(box.x + box.width * (from + i * 0.05), y + i * 2);
    await page.mouse.up();
  };

  const submit = async (page: Page, expected: RegExp): Promise<void> => {
    await page.locator('[data-testid="activeseg-submit"]').click();
    const status = page.locator('[data-testid="activeseg-annotation-status"]');
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(expected);
  };

  /** Non-transparent pixels of a canvas (the layer's overlay of an annotation, or the editor's mask). */
  const paintedPixels = (page: Page, selector: string) =>
    page.locator(selector).evaluate((element) => {
      // test/ type-checks without the DOM library: the canvas's shape, as far as this reads it.
      const c = element as unknown as {
        width: number;
        height: number;
        getContext(kind: '2d'): {
          getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
        };
      };
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      return n;
    });
  const overlay = (id: string) => `[data-testid="activeseg-annotation-overlay"][data-annotation-id="${id}"]`;

  beforeAll(async () => {
    requireSystemCommand('chromium');
    ensureViewerBuilt();
    daemon = await startScoredDaemon({ token: TOKEN });
    browser = await launchChromium(['--disable-background-networking', '--disable-component-update', '--disable-sync']);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await daemon?.close();
  });

  it('an annotation drawn and submitted is drawn as a layer and listed, also after a reload', async () => {
    const page = await open();
    await page.locator('[data-testid="activeseg-suggestions"] li').first().click();
    await paint(page);
    await submit(page, /^Stored ✓/);
    const [stored] = await list();
    expect(stored).toMatchObject({ version: 1 });
    first = stored!.id;

    await page.reload();
    await page.waitForSelector('[data-testid="activeseg-status"] [data-connection="open"]', { timeout: 30_000 });
    const item = page.locator(`[data-testid="activeseg-annotations"] li[data-annotation-id="${first}"]`);
    await item.waitFor({ timeout: 30_000 });
    expect(await item.textContent()).toMatch(/512×512 at \d+,\d+.*px/);
    await page.waitForSelector(`${overlay(first)}[data-drawn="true"]`, { state: 'attached', timeout: 30_000 });
    // The layer draws exactly the stored mask's myelin pixels (fill and outline), nothing else.
    expect(await paintedPixels(page, overlay(first))).toBe(stored!.areaPx);
    expect(stored!.areaPx).toBeGreaterThan(100);

    // Toggle and opacity, like the other layers.
    const row = page.locator('[data-testid="activeseg-layers"] input[data-layer="annotations"]');
    await row.uncheck();
    expect(await page.locator(overlay(first)).evaluate((c) => c.style.visibility)).toBe('hidden');
    await row.check();
    await page.locator('[data-testid="activeseg-layers"] input[aria-label="annotations opacity"]').fill('30');
    expect(await page.locator(overlay(first)).evaluate((c) => [c.style.visibility, c.style.opacity])).toEqual([
      '',
      '0.3',
    ]);
    await page.screenshot({ path: join(ARTIFACTS, 'annotations-01-layer.png') });

    // Click flies there and outlines it.
    await item.click();
    await page.waitForSelector('[data-testid="activeseg-outline"]');
    await page.close();
    expect(errors).toEqual([]);
  }, 240_000);

  it('edit loads the mask into the editor; the resubmission is version 2 and version 1 stays in history', async () => {
    const page = await open();
    await page.locator(`[data-edit-annotation-id="${first}"]`).click();
    await page.waitForSelector('[data-testid="activeseg-mask"]');
    // The editor starts from the stored mask (its pixels, at the editor's colour), not from nothing.
    await expect
      .poll(() => paintedPixels(page, '[data-testid="activeseg-mask"]'), { timeout: 10_000 })
      .toBe((await list())[0]!.areaPx);
    await paint(page, 0.55);
    await submit(page, /^Stored the new version ✓/);

    const current = await list();
    expect(current).toHaveLength(1);
    expect(current[0]).toMatchObject({ version: 2, supersedes: first });
    expect(current[0]!.areaPx).toBeGreaterThan((await list(true))[0]!.areaPx);
    expect((await list(true)).map((a) => [a.id, a.version, a.supersededBy])).toEqual([
      [first, 1, current[0]!.id],
      [current[0]!.id, 2, undefined],
    ]);
    const item = page.locator(`[data-testid="activeseg-annotations"] li[data-annotation-id="${current[0]!.id}"]`);
    await expect.poll(() => item.textContent(), { timeout: 15_000 }).toMatch(/· v2/);
    await page.waitForSelector(`${overlay(current[0]!.id)}[data-drawn="true"]`, { state: 'attached' });
    expect(await page.locator(overlay(first)).count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'annotations-02-edited.png') });
    await page.close();
    expect(errors).toEqual([]);
  }, 180_000);

  it('delete (confirmed) removes every version from the list, the layer and the daemon', async () => {
    const page = await open();
    const [current] = await list();
    await page.locator(overlay(current!.id)).waitFor({ state: 'attached', timeout: 30_000 });
    await page.locator(`[data-delete-annotation-id="${current!.id}"]`).click();
    await expect.poll(() => page.locator('[data-testid="activeseg-annotations"] li').count()).toBe(0);
    expect(await page.locator('[data-testid="activeseg-annotation-overlay"]').count()).toBe(0);
    expect(await list(true)).toEqual([]);
    const mask = await fetch(`${daemon!.origin}/api/annotations/${first}/mask`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(mask.status).toBe(404);
    await page.close();
    expect(errors).toEqual([]);
  }, 120_000);

  it('two pages: the second sees the first one’s patch as taken, and its annotations and slides live', async () => {
    const a = await open();
    const b = await open();
    const suggestion = (page: Page, i: number) =>
      page.locator(`[data-testid="activeseg-suggestions"] li[data-index="${i}"]`);

    const clicked = Date.now();
    await suggestion(a, 0).click();
    await b.waitForSelector('[data-testid="activeseg-suggestions"] li[data-index="0"][data-taken]', {
      timeout: 15_000,
    });
    const takenMs = Date.now() - clicked;
    expect(await suggestion(a, 0).getAttribute('data-taken')).toBeNull();
    await b.screenshot({ path: join(ARTIFACTS, 'annotations-03-taken.png') });
    // Opening a taken patch warns (and still opens it).
    await suggestion(b, 0).click();
    const bStatus = b.locator('[data-testid="activeseg-annotation-status"]');
    await expect.poll(() => bStatus.textContent(), { timeout: 10_000 }).toMatch(/^Taken: another tab is editing/);
    await b.locator('[data-testid="activeseg-toolbar"] button', { hasText: 'Skip' }).click();

    // A skips: its hold moves to the next suggestion.
    await a.locator('[data-testid="activeseg-toolbar"] button', { hasText: 'Skip' }).click();
    await expect.poll(() => suggestion(b, 0).getAttribute('data-taken'), { timeout: 15_000 }).toBeNull();
    await expect.poll(() => suggestion(b, 1).getAttribute('data-taken'), { timeout: 15_000 }).toBe('');

    // A submits there: B lists the annotation without a reload.
    await paint(a);
    await submit(a, /^Stored ✓/);
    await expect.poll(() => b.locator('[data-testid="activeseg-annotations"] li').count(), { timeout: 15_000 }).toBe(1);

    // A takes another patch and its tab closes: the daemon releases the hold on disconnect.
    await suggestion(a, 0).click();
    await expect
      .poll(() => b.locator('[data-testid="activeseg-suggestions"] li[data-taken]').count(), { timeout: 15_000 })
      .toBe(1);
    const closed = Date.now();
    await a.close();
    await b.waitForSelector('[data-testid="activeseg-suggestions"] li[data-taken]', {
      state: 'detached',
      timeout: 15_000,
    });
    console.log(
      'two-page latencies (ms):',
      JSON.stringify({ 'click in A → taken in B': takenMs, 'A closed → free in B': Date.now() - closed }),
    );

    // A slide added elsewhere appears in B's list.
    const before = await b.locator('[data-testid="activeseg-slides"] li').count();
    await daemon!.api('/api/slides', {
      method: 'POST',
      body: JSON.stringify({ path: DEMO_IMAGE }),
    });
    await expect
      .poll(() => b.locator('[data-testid="activeseg-slides"] li').count(), { timeout: 15_000 })
      .toBe(before + 1);
    await b.close();
    expect(errors).toEqual([]);
  }, 240_000);
});
