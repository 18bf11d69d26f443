import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireSystemCommand } from '../system/require-system-command.js';
import {
  ARTIFACTS,
  DEMO_IMAGE,
  ensureViewerBuilt,
  launchChromium,
  REPO,
  type ScoredDaemon,
  startScoredDaemon,
} from './e2e-setup.js';

/**
 * Browser end-to-end: the real daemon (startServer, real model engine, real jobs) serves the built viewer page
 * at `/`; Chromium opens it, and the test walks the biologist's loop: slide tiles → overlay tiles → suggestion →
 * paint → submit → "stored" ack → fine-tune from the page → progress → re-inference with no click → overlay tiles of
 * the new model version; then a small PNG dropped on the viewer is decoded in the browser (itk-wasm from /vendor) and
 * uploaded as a new slide (TIFFs and large files are streamed without a preview: big-file-drop.test.ts). The tests
 * share one page and run in order. Screenshots go to test-artifacts/e2e/
 * (git-ignored) for a human look; `ACTIVESEG_DOCS_SCREENSHOT=1` also refreshes docs/images/viewer.png.
 * Nothing is mocked. Needs chromium on PATH (fails naming the install command without it); builds
 * viewer-plugin/dist/page when it is missing.
 */
const TOKEN = 'e2e-token-0123456789abcdef';

describe('viewer e2e against the real daemon', () => {
  let browser: Browser | undefined;
  let server: ScoredDaemon | undefined;
  let slideId = '';
  let page: Page;
  const errors: string[] = [];
  /** Highest `?v=` seen in an uncertainty overlay tile URL the page loaded. */
  let maxOverlayVersion = 0;
  /** The `slide.viewport` frames the page sent (the region on screen, which the daemon scores first). */
  const viewports: { slideId: string; region: { x: number; y: number; width: number; height: number } }[] = [];

  const api = <T>(path: string, init: RequestInit = {}): Promise<T> => server!.api<T>(path, init);

  beforeAll(async () => {
    // First, so a machine without Chromium fails in a second with the command to install it.
    requireSystemCommand('chromium');
    ensureViewerBuilt();
    // The real daemon with the demo slide scored first, so the page opens with overlays and suggestions to click.
    server = await startScoredDaemon({ token: TOKEN });
    slideId = server.slideId;
    browser = await launchChromium(['--disable-background-networking', '--disable-component-update', '--disable-sync']);
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('websocket', (socket) =>
      socket.on('framesent', ({ payload }) => {
        const frame = JSON.parse(String(payload)) as { type: string };
        if (frame.type === 'slide.viewport') viewports.push(frame as unknown as (typeof viewports)[number]);
      }),
    );
    page.on('response', (r) => {
      const m = /\/tiles\/uncertainty\/.*[?&]v=(\d+)/.exec(r.url());
      if (m && r.ok()) maxOverlayVersion = Math.max(maxOverlayVersion, Number(m[1]));
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the built viewer page at / without a token', async () => {
    const home = await fetch(`${server!.origin}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toContain('text/html');
    const html = await home.text();
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${server!.origin}/${asset}`);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
  });

  it('opens the slide, shows overlays, annotates a suggestion and gets the ack', async () => {
    const imageTile = page.waitForResponse((r) => /\/tiles\/image\//.test(r.url()) && r.ok(), { timeout: 30_000 });
    const overlayTile = page.waitForResponse((r) => /\/tiles\/uncertainty\/.*[?&]v=\d+/.test(r.url()) && r.ok(), {
      timeout: 30_000,
    });
    await page.goto(`${server!.origin}/?token=${encodeURIComponent(TOKEN)}&slide=${slideId}`);
    await imageTile;
    await overlayTile;
    await page.waitForSelector('[data-testid="activeseg-status"] [data-connection="open"]', { timeout: 15_000 });
    // The token is removed from the address bar once read.
    expect(page.url()).not.toContain('token=');
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(ARTIFACTS, '01-slide-with-overlay.png') });
    const first = page.locator('[data-testid="activeseg-suggestions"] li').first();
    await first.waitFor({ timeout: 15_000 });
    await first.click();
    await page.waitForSelector('[data-testid="activeseg-outline"]');
    await page.waitForSelector('[data-testid="activeseg-mask"]');
    await page.waitForTimeout(1500);

    // Paint a stroke across the middle of the patch (the view is fitted around it).
    const box = (await page.locator('[data-testid="activeseg-outline"]').boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.25, y);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width * (0.25 + i * 0.05), y + i * 2);
    await page.mouse.up();
    await page.screenshot({ path: join(ARTIFACTS, '02-painted.png') });
    // README image, at the 1280×720 it is looked at: the toolbar in use on a selected suggestion (outline, stroke,
    // brush cursor), overlay, navigator and side panel. A 64-colour palette PNG keeps it under 300 KB at full size.
    const shot = await page.screenshot();
    const docsPng = await sharp(shot)
      .png({ palette: true, colours: 64, quality: 50, dither: 0, compressionLevel: 9, effort: 10 })
      .toBuffer();
    writeFileSync(join(ARTIFACTS, 'viewer-docs.png'), docsPng);
    if (process.env.ACTIVESEG_DOCS_SCREENSHOT === '1') {
      expect(docsPng.length).toBeLessThan(300 * 1024);
      mkdirSync(join(REPO, 'docs', 'images'), { recursive: true });
      writeFileSync(join(REPO, 'docs', 'images', 'viewer.png'), docsPng);
    }

    await page.locator('[data-testid="activeseg-submit"]').click();
    const status = page.locator('[data-testid="activeseg-annotation-status"]');
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toMatch(/Stored/);
    await page.screenshot({ path: join(ARTIFACTS, '03-stored.png') });

    const stored = await api<{ annotations: { slideId: string; patches: unknown[] }[] }>(
      `/api/annotations?slideId=${slideId}`,
    );
    expect(stored.annotations).toHaveLength(1);
    expect(errors).toEqual([]);
  }, 180_000);

  it('files an annotated random probe as a probe and plots both annotations in the Learning panel', async () => {
    // Most of the list as probes, so the blind list surely holds one: probes are drawn from below the top picks,
    // so the lowest-scored entry is one.
    await api('/api/settings', { method: 'PUT', body: JSON.stringify({ probeRate: 0.9 }) });
    await page.goto(`${server!.origin}/?token=${encodeURIComponent(TOKEN)}&slide=${slideId}`);
    const items = page.locator('[data-testid="activeseg-suggestions"] li');
    await items.first().waitFor({ timeout: 15_000 });
    const scores = (await items.allTextContents()).map((t) => Number(/(\d+\.\d+)$/.exec(t)?.[1]));
    const lowest = scores.indexOf(Math.min(...scores));
    await items.nth(lowest).click();
    await page.waitForSelector('[data-testid="activeseg-mask"]');
    await page.waitForTimeout(1000);
    const box = (await page.locator('[data-testid="activeseg-outline"]').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    await page.mouse.down();
    for (let i = 1; i <= 8; i++) await page.mouse.move(box.x + box.width * (0.3 + i * 0.05), box.y + box.height * 0.4);
    await page.mouse.up();
    await page.locator('[data-testid="activeseg-submit"]').click();
    const status = page.locator('[data-testid="activeseg-annotation-status"]');
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toMatch(/Stored/);

    const learning = await api<{
      annotations: {
        source: string;
        modelVersion: number | null;
        strokes: number | null;
        activeSeconds: number | null;
        preAnnotation: unknown;
      }[];
    }>(`/api/learning?slideId=${slideId}`);
    expect(learning.annotations.map((a) => a.source)).toEqual(['uncertainty', 'random-probe']);
    for (const a of learning.annotations) {
      expect(a).toMatchObject({ modelVersion: 1, strokes: 1 });
      expect(a.activeSeconds).toBeGreaterThan(0);
      expect(a.preAnnotation).not.toBeNull();
    }
    const plot = page.locator('[data-testid="activeseg-learning-plot"]');
    await expect.poll(() => plot.locator('circle[data-source="random-probe"]').count(), { timeout: 15_000 }).toBe(1);
    expect(await plot.locator('circle[data-source="uncertainty"]').count()).toBe(1);
    // One probe: the estimate is that probe's Dice, a point without spread.
    expect(await page.locator('[data-testid="activeseg-learning-estimate"]').textContent()).toMatch(
      /^Estimated Dice of v1 on this slide: \d\.\d\d \(95% CI .*, 1 probe\)$/,
    );
    await page.locator('[data-testid="activeseg-learning"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, '03b-learning-panel.png') });
    await api('/api/settings', { method: 'PUT', body: JSON.stringify({ probeRate: 0.2 }) });
    expect(errors).toEqual([]);
  }, 120_000);

  it('fine-tunes from the page, shows training progress, and with no click the overlay and suggestions move to the new model version', async () => {
    expect(maxOverlayVersion).toBe(1);
    // The page told the daemon what it shows: after the suggestion was selected, a region inside the slide.
    const shown = viewports.at(-1);
    expect(shown?.slideId).toBe(slideId);
    expect(shown!.region.x + shown!.region.width).toBeLessThanOrEqual(1541);
    expect(shown!.region.width).toBeLessThan(1541);
    const jobs = page.locator('[data-testid="activeseg-jobs"]');
    // The self-closing loop: once training is done the daemon re-scores this slide (the cells on screen first) by
    // itself; the overlay tiles switch to v2 and the suggestions are fetched again, nobody clicks "Run inference".
    const newer = page.waitForResponse((r) => /\/tiles\/uncertainty\/.*[?&]v=2(&|$)/.test(r.url()) && r.ok(), {
      timeout: 240_000,
    });
    const refreshed = page.waitForResponse(
      async (r) =>
        r.url().includes('/api/suggestions?') &&
        r.ok() &&
        ((await r.json()) as { modelVersion: number | null }).modelVersion === 2,
      { timeout: 240_000 },
    );
    await page.getByRole('button', { name: 'Train: fine-tune' }).click();
    const trainLine = jobs
      .locator('[data-job-id]')
      .filter({ hasText: /^train/ })
      .first();
    await trainLine.waitFor({ timeout: 15_000 });
    // job.progress frames carry epoch and loss into the line; the bar fills.
    await expect.poll(() => trainLine.textContent(), { timeout: 60_000 }).toMatch(/epoch \d+ · loss \d/);
    await jobs.scrollIntoViewIfNeeded(); // the list itself: its lines are re-rendered on every frame
    await page.screenshot({ path: join(ARTIFACTS, '04-training.png') });
    await expect.poll(() => trainLine.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    expect(await trainLine.textContent()).toMatch(/^train done · (\d+)\/\1 · epoch \1 · loss/);
    expect(await trainLine.locator('.as-progress > div').getAttribute('style')).toContain('width: 100%');
    const status = page.locator('[data-testid="activeseg-status"]');
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toContain('model v2');

    await newer;
    const inferLine = jobs
      .locator('[data-job-id]')
      .filter({ hasText: /^infer/ })
      .first();
    await expect.poll(() => inferLine.getAttribute('data-state'), { timeout: 90_000 }).toBe('done');
    await refreshed;
    const layers = page.locator('[data-testid="activeseg-layers"]');
    await expect.poll(() => layers.textContent(), { timeout: 10_000 }).toContain('model v2');
    expect(maxOverlayVersion).toBe(2);
    await page.getByRole('button', { name: 'Pan' }).click();
    await page.evaluate(() => {
      // Runs in the page, where app.ts put the viewer on window.activeseg.
      const w = globalThis as unknown as { activeseg: { viewer: { viewport: { goHome(now: boolean): void } } } };
      w.activeseg.viewer.viewport.goHome(true);
    });
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(ARTIFACTS, '05-retrained-overlay.png') });
    expect(errors).toEqual([]);
  }, 240_000);

  it('adds a small PNG dropped on the viewer as a new slide (previewed: decoded in the browser, then uploaded)', async () => {
    // A small greyscale PNG cut from the demo image, so the new slide shows recognisable tissue.
    const png = await sharp(DEMO_IMAGE)
      .extract({ left: 200, top: 150, width: 600, height: 400 })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    const pipeline = page.waitForResponse((r) => r.url().includes('/vendor/image-io/pipelines/png-read-image'), {
      timeout: 30_000,
    });
    const uploaded = page.waitForResponse((r) => r.url().includes('/api/uploads?name=dropped.png'), {
      timeout: 60_000,
    });
    const dataTransfer = await page.evaluateHandle((b64) => {
      const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      // Runs in the page (the test's own types have no DOM).
      const { DataTransfer } = globalThis as unknown as {
        DataTransfer: new () => { items: { add(file: File): void } };
      };
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
      return dt;
    }, png.toString('base64'));
    await page.dispatchEvent('[data-testid="viewer"]', 'dragover', { dataTransfer });
    await page.dispatchEvent('[data-testid="viewer"]', 'drop', { dataTransfer });
    expect((await pipeline).ok()).toBe(true);
    const res = await uploaded;
    expect(res.status()).toBe(201);
    const info = (await res.json()) as { id: string; width: number; height: number };
    expect(info).toMatchObject({ width: 600, height: 400 });

    const item = page.locator(`[data-testid="activeseg-slides"] li[data-slide-id="${info.id}"]`);
    await expect.poll(() => item.getAttribute('aria-selected'), { timeout: 30_000 }).toBe('true');
    await page.waitForResponse((r) => r.url().includes(`/api/slides/${info.id}/tiles/image/`) && r.ok(), {
      timeout: 30_000,
    });
    const list = await api<{ slides: { id: string; name: string }[] }>('/api/slides');
    expect(list.slides.map((s) => s.name)).toContain('dropped.png');
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(ARTIFACTS, '06-dropped-slide.png') });
    expect(errors).toEqual([]);
  }, 120_000);
});
