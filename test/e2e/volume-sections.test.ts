import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireSystemCommand } from '../system/require-system-command.js';
import {
  ARTIFACTS,
  type E2eDaemon,
  ensureViewerBuilt,
  launchChromium,
  REPO,
  scoreSlide,
  startE2eDaemon,
} from './e2e-setup.js';

/**
 * Browser end-to-end on a real serial-section stack: the first sections of the ISBI 2012 TEM set (../shared/data,
 * research use: turned into a multi-page TIFF in a temp folder here, never committed) served by the real daemon.
 * Chromium opens it, changes section with `.` / `,` and the slider (image and overlay tiles follow, with `z=` in
 * their URLs), a suggestion on another section flies there, and an annotation painted there is stored on that
 * section.
 */
const TOKEN = 'e2e-volume-token-0123456789';
const ISBI = join(REPO, '..', 'shared', 'data', 'isbi2012-em-membrane', 'images');
const SECTIONS = 6;

interface Suggestions {
  suggestions: { patch: { z?: number } }[];
}

describe('viewer e2e on a volume', () => {
  let browser: Browser | undefined;
  let server: E2eDaemon | undefined;
  let dir = '';
  let slideId = '';
  let page: Page;
  const errors: string[] = [];
  const tileSections = new Set<string>();

  const api = <T>(path: string, init: RequestInit = {}): Promise<T> => server!.api<T>(path, init);

  beforeAll(async () => {
    requireSystemCommand('chromium');
    ensureViewerBuilt();
    dir = mkdtempSync(join(tmpdir(), 'activeseg-e2e-volume-'));
    const files = readdirSync(ISBI)
      .filter((f) => f.endsWith('.png'))
      .sort()
      .slice(0, SECTIONS);
    const planes = await Promise.all(files.map((f) => sharp(join(ISBI, f)).toColourspace('b-w').raw().toBuffer()));
    await sharp(Buffer.concat(planes), { raw: { width: 512, height: 512 * SECTIONS, channels: 1, pageHeight: 512 } })
      .toColourspace('b-w')
      .tiff({ compression: 'deflate' })
      .toFile(join(dir, 'isbi-stack.tif'));
    // Cells of 256² so the 512² sections hold a 2 × 2 grid each.
    server = await startE2eDaemon({ token: TOKEN, config: { patchSize: 256 } });
    slideId = (
      await api<{ id: string }>('/api/slides', {
        method: 'POST',
        body: JSON.stringify({ path: join(dir, 'isbi-stack.tif') }),
      })
    ).id;
    await scoreSlide(server, slideId);
    browser = await launchChromium(['--disable-background-networking', '--disable-component-update', '--disable-sync']);
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => {
      const m = /\/tiles\/(image|uncertainty)\/[^?]*(?:\?(?:.*&)?z=(\d+))?/.exec(r.url());
      if (m && r.ok()) tileSections.add(`${m[1]}:${m[2] ?? '0'}`);
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const tileOn = (layer: 'image' | 'uncertainty', z: number) =>
    page.waitForResponse((r) => new RegExp(`/tiles/${layer}/.*[?&]z=${z}(&|$)`).test(r.url()) && r.ok(), {
      timeout: 30_000,
    });
  const status = () => page.locator('[data-testid="activeseg-status-section"]').textContent();
  const slider = () => page.locator('[data-testid="activeseg-section-slider"]');

  it('opens the stack on section 1 and steps through sections with . and , and the slider', async () => {
    await page.goto(`${server!.origin}/?token=${encodeURIComponent(TOKEN)}&slide=${slideId}`);
    await page.waitForSelector('[data-testid="activeseg-status"] [data-connection="open"]', { timeout: 15_000 });
    await expect.poll(status, { timeout: 15_000 }).toBe(`section 1 of ${SECTIONS}`);
    expect(await slider().getAttribute('max')).toBe(String(SECTIONS - 1));
    await page.waitForTimeout(1000);

    let image = tileOn('image', 1);
    let overlay = tileOn('uncertainty', 1);
    await page.keyboard.press('.');
    await image;
    await overlay;
    await expect.poll(status).toBe(`section 2 of ${SECTIONS}`);
    expect(await slider().inputValue()).toBe('1');
    await page.screenshot({ path: join(ARTIFACTS, 'volume-01-section-2.png') });

    await page.keyboard.press(',');
    await expect.poll(status).toBe(`section 1 of ${SECTIONS}`);

    image = tileOn('image', 4);
    overlay = tileOn('uncertainty', 4);
    await slider().fill('4');
    await image;
    await overlay;
    await expect.poll(status).toBe(`section 5 of ${SECTIONS}`);
    expect([...tileSections].filter((s) => s.startsWith('image:')).sort()).toEqual(['image:0', 'image:1', 'image:4']);
    expect(errors).toEqual([]);
  }, 120_000);

  it('flies to the section of a suggestion on another section, and stores the annotation painted there on it', async () => {
    const { suggestions } = await api<Suggestions>(`/api/suggestions?slideId=${slideId}&k=20`);
    const index = suggestions.findIndex((s) => (s.patch.z ?? 0) !== 4);
    expect(index).toBeGreaterThanOrEqual(0);
    const z = suggestions[index]!.patch.z ?? 0;
    const item = page.locator('[data-testid="activeseg-suggestions"] li').nth(index);
    await item.waitFor({ timeout: 15_000 });
    await item.click();
    await expect.poll(status, { timeout: 15_000 }).toBe(`section ${z + 1} of ${SECTIONS}`);
    await page.waitForSelector('[data-testid="activeseg-outline"]');
    await page.waitForSelector('[data-testid="activeseg-mask"]');
    await page.waitForTimeout(1000);
    const box = (await page.locator('[data-testid="activeseg-outline"]').boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.25, y);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width * (0.25 + i * 0.05), y + i * 2);
    await page.mouse.up();
    await page.screenshot({ path: join(ARTIFACTS, 'volume-02-painted.png') });
    await page.locator('[data-testid="activeseg-submit"]').click();
    await expect
      .poll(() => page.locator('[data-testid="activeseg-annotation-status"]').textContent(), { timeout: 15_000 })
      .toMatch(/Stored/);
    const stored = await api<{ annotations: { z?: number }[] }>(`/api/annotations?slideId=${slideId}`);
    expect(stored.annotations.map((a) => a.z ?? 0)).toEqual([z]);
    expect(errors).toEqual([]);
  }, 120_000);
});
