import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireSystemCommand } from '../system/require-system-command.js';
import {
  ARTIFACTS,
  DEMO_IMAGE,
  type E2eDaemon,
  ensureViewerBuilt,
  launchChromium,
  REPO,
  startE2eDaemon,
} from './e2e-setup.js';

/**
 * Browser end-to-end of the model timeline: the real daemon starts from the shipped base model (v1); one 512² cell of
 * the demo slide is annotated with its true myelin mask; a training from scratch cut to one epoch makes a model that is
 * worse on the run's own validation patches than v1, so it is stored as v2 but not promoted, and the page's Models
 * panel says so. Then, from the page: "Promote anyway" makes v2 current (the slide is re-scored with it) and "Make
 * current" on v1 rolls back, the overlay tiles going back to v1's. Also: the backend label is the same for a page that
 * connected before the slide was first scored and one that connected after. Nothing is mocked.
 */
const TOKEN = 'e2e-token-models-0123456789';
const DEMO_MASK = join(REPO, 'demo', 'axondeepseg-sem', 'masks-myelin', 'sub-rat8_sample-V915.png');
const LABEL = 'backend onnxruntime cpu (MC) · onnxruntime graph (training)';

/** Row-major RLE of a 0/1 mask, starting with a background run (the annotation wire format). */
function rle(mask: Uint8Array): number[] {
  const counts: number[] = [];
  let value = 0;
  let run = 0;
  for (const v of mask) {
    if (v === value) run++;
    else {
      counts.push(run);
      value = v;
      run = 1;
    }
  }
  counts.push(run);
  return counts;
}

describe('model timeline e2e against the real daemon', () => {
  let browser: Browser | undefined;
  let server: E2eDaemon | undefined;
  let slideId = '';
  let page: Page;
  const errors: string[] = [];
  /** `?v=` of every uncertainty tile the page loaded, in order. */
  const overlayVersions: number[] = [];

  const api = <T>(path: string, init: RequestInit = {}): Promise<T> => server!.api<T>(path, init);
  const waitForJob = async (id: string) => {
    for (let i = 0; i < 600; i++) {
      const info = await api<{ state: string; error?: unknown; warning?: string }>(`/api/jobs/${id}`);
      if (info.state === 'done') return info;
      if (info.state === 'failed' || info.state === 'cancelled')
        throw new Error(`job ${id} ${info.state}: ${JSON.stringify(info.error)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`job ${id} did not finish`);
  };
  const openPage = async (): Promise<Page> => {
    const p = await browser!.newPage({ viewport: { width: 1280, height: 720 } });
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(`${server!.origin}/?token=${encodeURIComponent(TOKEN)}&slide=${slideId}`);
    await p.waitForSelector('[data-testid="activeseg-status"] [data-connection="open"]', { timeout: 15_000 });
    return p;
  };
  const backendOf = (p: Page) => p.locator('[data-testid="activeseg-status"] span').nth(1).textContent();
  const row = (v: number) => page.locator(`[data-testid="activeseg-models"] li[data-model-version="${v}"]`);
  const status = () => page.locator('[data-testid="activeseg-status"]').textContent();

  beforeAll(async () => {
    requireSystemCommand('chromium');
    ensureViewerBuilt();
    // v1 is the shipped base model, as `activeseg serve` starts a new project.
    server = await startE2eDaemon({ token: TOKEN, model: 'base' });
    slideId = (await api<{ id: string }>('/api/slides', { method: 'POST', body: JSON.stringify({ path: DEMO_IMAGE }) }))
      .id;
    // One whole 512² cell labelled with the data set's true myelin mask: enough patches to hold a validation set out.
    const cell = { x: 512, y: 0, width: 512, height: 512 };
    const { data } = await sharp(DEMO_MASK)
      .extract({ left: cell.x, top: cell.y, width: cell.width, height: cell.height })
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    await api('/api/annotations', {
      method: 'POST',
      body: JSON.stringify({
        slideId,
        clientId: 'e2e-models-cell-1',
        region: cell,
        mask: { encoding: 'rle', counts: rle(Uint8Array.from(data, (v) => (v > 127 ? 1 : 0))) },
      }),
    });
    browser = await launchChromium(['--disable-background-networking', '--disable-component-update', '--disable-sync']);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows one backend label to a page that connected before the first scoring and to one after', async () => {
    page = await openPage();
    page.on('response', (r) => {
      const m = /\/tiles\/uncertainty\/.*[?&]v=(\d+)/.exec(r.url());
      if (m && r.ok()) overlayVersions.push(Number(m[1]));
    });
    await expect.poll(() => backendOf(page), { timeout: 10_000 }).toBe(LABEL);
    const infer = await api<{ id: string }>('/api/jobs', {
      method: 'POST',
      body: JSON.stringify({ kind: 'infer', slideId }),
    });
    await waitForJob(infer.id);
    await expect.poll(() => overlayVersions.includes(1), { timeout: 30_000 }).toBe(true);
    const later = await openPage();
    await expect.poll(() => backendOf(later), { timeout: 10_000 }).toBe(LABEL);
    await later.close();
    expect(await backendOf(page)).toBe(LABEL);
  }, 180_000);

  it('keeps a worse model aside: stored as v2, not made current, with the warning in the Models panel', async () => {
    await expect.poll(() => row(1).getAttribute('data-current'), { timeout: 10_000 }).toBe('true');
    expect(await row(1).textContent()).toContain('base model');
    // One epoch from scratch (two optimizer steps) cannot match a base model trained for 300 epochs.
    const train = await api<{ id: string }>('/api/jobs', {
      method: 'POST',
      body: JSON.stringify({ kind: 'train', mode: 'scratch', epochs: 1 }),
    });
    const done = await waitForJob(train.id);
    expect(done.warning).toMatch(/^v2 scored Dice 0\.\d{3} on its \d+ validation patches, below the current v1's/);

    await row(2).waitFor({ timeout: 15_000 });
    expect(await row(2).getAttribute('data-promoted')).toBe('false');
    expect(await row(2).getAttribute('data-current')).toBe('false');
    const warning = row(2).locator('[data-testid="activeseg-model-warning"]');
    expect(await warning.textContent()).toBe(done.warning);
    expect(await row(2).textContent()).toMatch(/from scratch · 1 annotation/);
    expect(await row(2).locator('[data-promote]').textContent()).toBe('Promote anyway');
    const jobLine = page.locator(`[data-testid="activeseg-jobs"] [data-job-id="${train.id}"]`);
    await expect.poll(() => jobLine.textContent(), { timeout: 10_000 }).toContain('kept, not made current');
    expect(await status()).toContain('model v1');
    expect((await api<{ current: number }>('/api/models')).current).toBe(1);
    await row(2).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'models-01-kept-aside.png') });
    expect(errors).toEqual([]);
  }, 180_000);

  it('promotes the kept-aside version on request, then rolls back to v1: current and overlay tiles go back', async () => {
    // Declining the confirmation changes nothing.
    page.once('dialog', (d) => void d.dismiss());
    await row(2).getByRole('button', { name: 'Promote anyway' }).click();
    await page.waitForTimeout(500);
    expect((await api<{ current: number }>('/api/models')).current).toBe(1);

    page.once('dialog', (d) => {
      expect(d.message()).toMatch(/^Make v2 current anyway instead of v1\? It scored Dice/);
      void d.accept();
    });
    await row(2).getByRole('button', { name: 'Promote anyway' }).click();
    await expect.poll(status, { timeout: 15_000 }).toContain('model v2');
    await expect.poll(() => row(2).getAttribute('data-current'), { timeout: 10_000 }).toBe('true');
    expect((await api<{ current: number }>('/api/models')).current).toBe(2);

    // Scored with v2, the overlay moves to v2's tiles.
    const v2Tiles = page.waitForResponse((r) => /\/tiles\/uncertainty\/.*[?&]v=2(&|$)/.test(r.url()) && r.ok(), {
      timeout: 90_000,
    });
    await page.getByRole('button', { name: 'Run inference' }).click();
    await v2Tiles;
    const layers = page.locator('[data-testid="activeseg-layers"]');
    await expect.poll(() => layers.textContent(), { timeout: 90_000 }).toContain('model v2');
    const inferLine = page
      .locator('[data-testid="activeseg-jobs"] [data-job-id]')
      .filter({ hasText: /^infer/ })
      .first();
    await expect.poll(() => inferLine.getAttribute('data-state'), { timeout: 90_000 }).toBe('done');
    await page.waitForTimeout(1000);

    // Rollback: v1 is current again and the overlay shows v1's tiles again (the slide still has its scores).
    const rolledBack = overlayVersions.length;
    page.once('dialog', (d) => {
      expect(d.message()).toMatch(/^Roll back to v1 instead of v2\?/);
      void d.accept();
    });
    await row(1).getByRole('button', { name: 'Make current' }).click();
    await expect.poll(status, { timeout: 15_000 }).toContain('model v1');
    await expect.poll(() => row(1).getAttribute('data-current'), { timeout: 10_000 }).toBe('true');
    await expect.poll(() => layers.textContent(), { timeout: 15_000 }).toContain('model v1');
    await expect.poll(() => overlayVersions.slice(rolledBack).includes(1), { timeout: 30_000 }).toBe(true);
    await page.waitForTimeout(1000);
    expect(overlayVersions.at(-1)).toBe(1);
    const list = await api<{ current: number; versions: { version: number; current: boolean }[] }>('/api/models');
    expect(list.current).toBe(1);
    expect(list.versions.map((v) => [v.version, v.current])).toEqual([
      [1, true],
      [2, false],
    ]);
    // What changed between v2 and the current v1: tiles of the pair, toggled from v2's row.
    const changes = row(2).getByRole('button', { name: 'What changed' });
    const changeTile = page.waitForResponse((r) => /\/changes\/\d+\/\d+_\d+\.png\?from=2&to=1$/.test(r.url()), {
      timeout: 30_000,
    });
    await changes.click();
    expect((await changeTile).status()).toBe(200);
    await expect.poll(() => changes.getAttribute('aria-pressed'), { timeout: 5_000 }).toBe('true');
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(ARTIFACTS, 'models-03-what-changed.png') });
    await row(2).getByRole('button', { name: 'What changed' }).click();
    await expect
      .poll(() => row(2).getByRole('button', { name: 'What changed' }).getAttribute('aria-pressed'), { timeout: 5_000 })
      .toBe('false');
    await page.screenshot({ path: join(ARTIFACTS, 'models-02-rolled-back.png') });
    expect(errors).toEqual([]);
  }, 240_000);
});
