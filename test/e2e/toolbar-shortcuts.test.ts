import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, addSlideByPath, DEMO_IMAGE, ensureViewerBuilt, launchChromium } from './e2e-setup.js';

/**
 * The annotation toolbar at 1280×720 in real Chromium against the real daemon (no model engine: annotating a
 * region needs none): every control is on screen without scrolling, each shortcut does its job, a polygon
 * clicked at 100 ms per vertex closes by double-click or by a click on its first vertex, Submit never drops an
 * open polygon, and no request the page makes carries the token in its URL. Per-step latencies are printed.
 */
const TOKEN = 'toolbar-token-0123456789abcdef';
const VIEWPORT = { width: 1280, height: 720 };

interface Server {
  origin: string;
  close(): Promise<void>;
}

/** The little of the page's DOM the in-page callbacks read (the test project compiles without the DOM lib). */
interface PageCanvas {
  width: number;
  height: number;
  getContext(
    type: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
interface PageDocument {
  querySelector(selector: string): PageCanvas | null;
  documentElement: { scrollHeight: number; scrollWidth: number };
}

describe('annotation toolbar and shortcuts at 1280×720', () => {
  let browser: Browser | undefined;
  let server: Server | undefined;
  let projectDir = '';
  let slideId = '';
  let page: Page;
  const errors: string[] = [];
  const requestUrls: string[] = [];
  const consoleLines: string[] = [];
  const latencies: Record<string, number> = {};
  /** Foreground pixels of each annotation the page sent, decoded from its RLE body (odd runs are foreground). */
  const sentForeground: number[] = [];
  const timed = async <T>(step: string, run: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await run();
    latencies[step] = Math.round(performance.now() - t0);
    return out;
  };

  const storedCount = async (): Promise<number> => {
    const res = await fetch(`${server!.origin}/api/annotations?slideId=${slideId}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return ((await res.json()) as { annotations: unknown[] }).annotations.length;
  };
  const status = () => page.locator('[data-testid="activeseg-annotation-status"]');
  const pressed = (tool: string) => page.locator(`[data-tool="${tool}"]`).getAttribute('aria-pressed');
  /** Foreground pixels of the mask being edited (its overlay canvas is the region at level-0 size). */
  const maskPixels = () =>
    page.evaluate(() => {
      const doc = (globalThis as unknown as { document: PageDocument }).document;
      const c = doc.querySelector('[data-testid="activeseg-mask"]');
      const ctx = c?.getContext('2d');
      if (!c || !ctx) return -1;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
      return n;
    });
  /** Screen pixels per image pixel of the slide layer (world item 0), as the toolbar reads it. */
  const zoom = () =>
    page.evaluate(() => {
      const { viewer } = (
        globalThis as unknown as {
          activeseg: {
            viewer: {
              viewport: { getZoom(now: boolean): number };
              world: { getItemAt(i: number): { viewportToImageZoom(z: number): number } };
            };
          };
        }
      ).activeseg;
      return viewer.world.getItemAt(0).viewportToImageZoom(viewer.viewport.getZoom(true));
    });
  /** Starts a region at the view centre with the `a` key and waits until it can be edited. */
  const beginRegion = async (): Promise<void> => {
    await page.mouse.move(VIEWPORT.width / 3, VIEWPORT.height / 2);
    await page.keyboard.press('a');
    await page.waitForSelector('[data-testid="activeseg-mask"]');
    await expect.poll(() => page.locator('[data-testid="activeseg-submit"]').isEnabled()).toBe(true);
  };
  const submitWithEnter = async (before: number): Promise<void> => {
    await timed(`Enter → "Stored" (${before + 1})`, async () => {
      await page.keyboard.press('Enter');
      await expect.poll(() => status().textContent(), { timeout: 15_000 }).toMatch(/Stored/);
    });
    expect(await storedCount()).toBe(before + 1);
  };

  beforeAll(async () => {
    ensureViewerBuilt();
    projectDir = mkdtempSync(join(tmpdir(), 'activeseg-toolbar-'));
    const { startServer } = await import('../../daemon/src/server.js');
    server = await startServer({ projectDir, port: 0, token: TOKEN, log: () => {} });
    slideId = await addSlideByPath(server.origin, TOKEN);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: VIEWPORT });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => consoleLines.push(m.text()));
    page.on('request', (r) => {
      requestUrls.push(r.url());
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/annotations') {
        const body = r.postDataJSON() as { mask: { counts: number[] } };
        sentForeground.push(body.mask.counts.reduce((sum, n, i) => (i % 2 === 1 ? sum + n : sum), 0));
      }
    });
    page.on('websocket', (ws) => requestUrls.push(ws.url()));
  }, 180_000);

  afterAll(async () => {
    console.log('toolbar e2e latencies (ms):', JSON.stringify(latencies));
    await browser?.close();
    await server?.close();
    if (projectDir) rmSync(projectDir, { recursive: true, force: true });
  });

  it('shows every per-annotation control on screen at 1280×720, with nothing to scroll', async () => {
    await timed('page open → first image tile', async () => {
      const tile = page.waitForResponse((r) => /\/tiles\/image\//.test(r.url()) && r.ok(), { timeout: 30_000 });
      await page.goto(`${server!.origin}/?token=${encodeURIComponent(TOKEN)}&slide=${slideId}`);
      await tile;
    });
    await timed('page open → socket open', () =>
      page.waitForSelector('[data-testid="activeseg-status"] [data-connection="open"]', { timeout: 15_000 }),
    );
    const controls = [
      '[data-tool="pan"]',
      '[data-tool="brush"]',
      '[data-tool="eraser"]',
      '[data-tool="polygon"]',
      '[aria-label="brush radius"]',
      'button:text("Fill from prediction")',
      'button:text("Undo")',
      'button:text("Redo")',
      '[data-testid="activeseg-submit"]',
      'button:text("Skip")',
      'button:text("Annotate here")',
      '[aria-label="zoom in"]',
      '[aria-label="zoom out"]',
      '[aria-label="keyboard shortcuts"]',
      '[data-testid="activeseg-open-file"]',
    ];
    for (const selector of controls) {
      const box = await page.locator(selector).boundingBox();
      expect(box, selector).not.toBeNull();
      expect(box!.x, selector).toBeGreaterThanOrEqual(0);
      expect(box!.y, selector).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, selector).toBeLessThanOrEqual(VIEWPORT.width);
      expect(box!.y + box!.height, selector).toBeLessThanOrEqual(VIEWPORT.height);
    }
    const scroll = await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: PageDocument }).document;
      return { height: doc.documentElement.scrollHeight, width: doc.documentElement.scrollWidth };
    });
    expect(scroll.height).toBeLessThanOrEqual(VIEWPORT.height);
    expect(scroll.width).toBeLessThanOrEqual(VIEWPORT.width);
    // Sizes name their unit: the demo slide has no pixel size, so image pixels only.
    expect(await page.locator('[data-testid="activeseg-radius"]').textContent()).toBe('12 image px');
    expect(await page.locator('[data-testid="activeseg-zoom"]').textContent()).toMatch(/^\d+(\.\d)? %$/);
    // No model yet: the page says what to do, and does not offer an inference that would fail.
    await expect
      .poll(() => page.locator('[data-testid="activeseg-suggestions"]').locator('..').textContent())
      .toContain('No model yet: annotate a region and train');
    expect(await page.locator('[data-testid="activeseg-infer"]').isDisabled()).toBe(true);
    expect(errors).toEqual([]);
  }, 60_000);

  it('runs each tool from its key: brush size, true-size cursor, hold-space pan, help, and Enter submits', async () => {
    await beginRegion();
    expect(await pressed('brush')).toBe('true');
    for (const [key, tool] of [
      ['e', 'eraser'],
      ['g', 'polygon'],
      ['h', 'pan'],
      ['b', 'brush'],
    ] as const) {
      await page.keyboard.press(key);
      expect(await pressed(tool), key).toBe('true');
    }
    const radius = page.locator('[data-testid="activeseg-radius"]');
    await page.keyboard.press(']');
    expect(await radius.textContent()).toBe('15 image px');
    await page.keyboard.press('[');
    await page.keyboard.press('[');
    expect(await radius.textContent()).toBe('10 image px');

    // The cursor circle is the brush at its true size on screen: diameter = 2 × radius × zoom.
    await page.mouse.move(VIEWPORT.width / 3 + 5, VIEWPORT.height / 2 + 5);
    const cursor = page.locator('[data-testid="activeseg-brush-cursor"]');
    await expect.poll(() => cursor.isVisible()).toBe(true);
    const z = await zoom();
    expect(Number(await cursor.getAttribute('data-diameter'))).toBeCloseTo(2 * 10 * z, 0);

    // Hold space: the view pans and nothing is painted; let go: the brush is back.
    const centre = () =>
      page.evaluate(() => {
        const w = globalThis as unknown as {
          activeseg: { viewer: { viewport: { getCenter(now: boolean): { x: number } } } };
        };
        return w.activeseg.viewer.viewport.getCenter(true).x;
      });
    const x0 = await centre();
    await page.keyboard.down(' ');
    expect(await pressed('pan')).toBe('true');
    await page.mouse.move(VIEWPORT.width / 3, VIEWPORT.height / 2);
    await page.mouse.down();
    await page.mouse.move(VIEWPORT.width / 3 + 120, VIEWPORT.height / 2, { steps: 6 });
    await page.mouse.up();
    await page.keyboard.up(' ');
    expect(await pressed('brush')).toBe('true');
    await expect.poll(centre).not.toBeCloseTo(x0, 4);
    expect(await maskPixels()).toBe(0);

    // `?` lists every shortcut; Esc closes it.
    await page.keyboard.press('?');
    const help = page.locator('[data-testid="activeseg-help"]');
    expect(await help.isVisible()).toBe(true);
    const helpText = (await help.textContent()) ?? '';
    for (const key of ['Enter', 'hold Space', '[', ']', 'Ctrl+Z', '?']) expect(helpText).toContain(key);
    await page.screenshot({ path: join(ARTIFACTS, 'toolbar-help.png') });
    await page.keyboard.press('Escape');
    expect(await help.isVisible()).toBe(false);

    // Paint a stroke inside the region, then Enter submits it.
    const outline = (await page.locator('[data-testid="activeseg-mask"]').boundingBox())!;
    const y = outline.y + outline.height / 2;
    await page.mouse.move(outline.x + outline.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(outline.x + outline.width * 0.7, y, { steps: 8 });
    await page.mouse.up();
    expect(await maskPixels()).toBeGreaterThan(0);
    await page.keyboard.press('Control+z');
    expect(await maskPixels()).toBe(0);
    await page.keyboard.press('Control+Shift+z');
    expect(await maskPixels()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'toolbar-painted.png') });
    await submitWithEnter(0);
    expect(errors).toEqual([]);
  }, 90_000);

  /** Clicks `points` 100 ms apart, as a fast annotator does. */
  const clickFast = async (points: readonly (readonly [number, number])[]): Promise<void> => {
    for (const [x, y] of points) {
      await page.mouse.click(x, y);
      await page.waitForTimeout(100);
    }
  };
  /** A square of `side` screen px inside the mask's box, with its expected area in image pixels. */
  const square = async (side: number) => {
    const box = (await page.locator('[data-testid="activeseg-mask"]').boundingBox())!;
    const x = box.x + box.width / 2 - side / 2;
    const y = box.y + box.height / 2 - side / 2;
    const corners = [
      [x, y],
      [x + side, y],
      [x + side, y + side],
      [x, y + side],
    ] as const;
    const z = await zoom();
    return { corners, area: (side / z) ** 2 };
  };

  it('closes a polygon clicked at 100 ms per vertex by a double-click, and by a click on its first vertex', async () => {
    await beginRegion();
    await page.keyboard.press('g');
    const a = await square(160);
    await timed('polygon, 4 vertices at 100 ms + double-click', async () => {
      // The last vertex is placed by the double-click itself, as an annotator does.
      await clickFast(a.corners.slice(0, 3));
      const [lx, ly] = a.corners[3];
      await page.mouse.dblclick(lx, ly);
    });
    const filled = await maskPixels();
    // The filled square, within rasterisation at this zoom.
    expect(filled / a.area).toBeGreaterThan(0.85);
    expect(filled / a.area).toBeLessThan(1.15);
    await page.screenshot({ path: join(ARTIFACTS, 'toolbar-polygon.png') });
    await submitWithEnter(1);

    await beginRegion();
    await page.keyboard.press('g');
    const b = await square(120);
    await clickFast([...b.corners, b.corners[0]]);
    // A triple-click on a vertex neither closes early nor leaves a stray vertex behind.
    expect(await page.locator('[data-testid="activeseg-annotation-status"]').textContent()).not.toMatch(/point/);
    const closed = await maskPixels();
    expect(closed / b.area).toBeGreaterThan(0.85);
    expect(closed / b.area).toBeLessThan(1.15);
    await submitWithEnter(2);
    expect(errors).toEqual([]);
  }, 90_000);

  it('Submit with an open polygon fills and stores it; with fewer than 3 points it says so and stores nothing', async () => {
    await beginRegion();
    await page.keyboard.press('g');
    const t = await square(140);
    await clickFast(t.corners.slice(0, 2));
    await page.locator('[data-testid="activeseg-submit"]').click();
    await expect.poll(() => status().textContent()).toMatch(/polygon has 2 point/);
    expect(await storedCount()).toBe(3);

    await clickFast(t.corners.slice(2, 3));
    expect(await maskPixels()).toBe(0);
    await submitWithEnter(3);
    // The open triangle (half the square) was filled and sent, not dropped.
    expect(sentForeground).toHaveLength(4);
    const triangle = sentForeground[3]! / (t.area / 2);
    expect(triangle).toBeGreaterThan(0.85);
    expect(triangle).toBeLessThan(1.15);
    expect(errors).toEqual([]);
  }, 60_000);

  it('has a navigator, zoom buttons with the zoom level, and slide brightness remembered per slide', async () => {
    expect(await page.locator('.navigator').isVisible()).toBe(true);
    const zoomLabel = page.locator('[data-testid="activeseg-zoom"]');
    const percent = async () => Number.parseFloat((await zoomLabel.textContent()) ?? 'NaN');
    const before = await percent();
    await page.locator('[aria-label="zoom in"]').click();
    await expect.poll(percent).toBeCloseTo(before * 1.5, -1);

    /** Mean of the red channel over the middle of OSD's drawing canvas (the slide alone: no model, no overlay). */
    const meanRed = () =>
      page.evaluate(() => {
        const { viewer } = (globalThis as unknown as { activeseg: { viewer: { drawer: { canvas: PageCanvas } } } })
          .activeseg;
        const c = viewer.drawer.canvas;
        const d = c.getContext('2d')!.getImageData(c.width / 4, c.height / 4, c.width / 2, c.height / 2).data;
        let sum = 0;
        for (let i = 0; i < d.length; i += 4) sum += d[i]!;
        return sum / (d.length / 4);
      });
    const plain = await meanRed();
    const brightness = page.locator('[aria-label="slide brightness"]');
    await timed('brightness +0.3 → slide redrawn', async () => {
      await brightness.fill('0.3');
      await expect.poll(meanRed, { timeout: 10_000 }).toBeGreaterThan(plain + 40);
    });
    await page.screenshot({ path: join(ARTIFACTS, 'toolbar-brightness.png') });
    // Remembered for this slide across a reload, and applied to its freshly loaded tiles.
    await page.reload();
    await page.waitForSelector('[data-testid="activeseg-status"] [data-connection="open"]', { timeout: 15_000 });
    await expect.poll(() => brightness.inputValue()).toBe('0.3');
    await expect.poll(meanRed, { timeout: 15_000 }).toBeGreaterThan(plain + 40);
    await page.locator('[data-testid="activeseg-adjust"] button:text("Reset")').click();
    await expect.poll(meanRed, { timeout: 10_000 }).toBeLessThan(plain + 10);
    expect(errors).toEqual([]);
  }, 90_000);

  it('adds an image chosen with the Open image… button as a new slide', async () => {
    const png = await sharp(DEMO_IMAGE).extract({ left: 100, top: 100, width: 300, height: 200 }).png().toBuffer();
    const uploaded = page.waitForResponse((r) => r.url().includes('/api/uploads?name=picked.png'), {
      timeout: 60_000,
    });
    const chooser = page.waitForEvent('filechooser');
    await page.locator('[data-testid="activeseg-open-file"]').click();
    await (await chooser).setFiles({ name: 'picked.png', mimeType: 'image/png', buffer: png });
    const res = await timed('file picked → slide uploaded', () => uploaded);
    expect(res.status()).toBe(201);
    expect(await res.json()).toMatchObject({ name: 'picked.png', width: 300, height: 200 });
    expect(errors).toEqual([]);
  }, 90_000);

  it('puts the token in no URL it requests, and none reaches the console', async () => {
    const pageLoads = requestUrls.filter((u) => new URL(u).pathname === '/');
    // The address the daemon prints is the one URL with the token; the page drops it from the address bar, so
    // the reload above asks for `/` without it.
    expect(pageLoads.filter((u) => u.includes('token='))).toHaveLength(1);
    const leaks = requestUrls.filter((u) => new URL(u).pathname !== '/' && u.includes('token='));
    expect(leaks).toEqual([]);
    expect(requestUrls.some((u) => /\/tiles\/image\//.test(u))).toBe(true);
    expect(requestUrls.some((u) => u.startsWith('ws'))).toBe(true);
    expect(page.url()).not.toContain('token=');
    expect(consoleLines.filter((l) => l.includes(TOKEN))).toEqual([]);
    // The favicon is inline: no request for it, so no 404 in the console.
    expect(requestUrls.filter((u) => u.includes('favicon'))).toEqual([]);
  });
});
