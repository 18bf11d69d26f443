import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, addSlideByPath, DEMO_IMAGE, ensureViewerBuilt, launchChromium } from './e2e-setup.js';

/**
 * The viewer page across a daemon's lifetime, in real Chromium against the real daemon (no model engine: the
 * slide alone is enough): a daemon that is down is retried, a daemon that restarted with another token is not
 * (the page says what to do instead), and `destroy()` takes everything the plugin added off the host viewer.
 */
const OLD_TOKEN = 'session-token-old-0123456789';
const NEW_TOKEN = 'session-token-new-9876543210';
/** The demo slide (1541 × 1096) is given a pixel size, so the scale bar and the cursor readout show µm. */
const PIXEL_SIZE = { x: 0.1, y: 0.1, unit: 'µm' as const };
const SLIDE = { width: 1541, height: 1096 };

interface Server {
  origin: string;
  port: number;
  close(): Promise<void>;
}

describe('viewer page across daemon restarts', () => {
  let browser: Browser | undefined;
  let server: Server | undefined;
  let projectDir = '';
  let slideId = '';
  const errors: string[] = [];

  const start = async (token: string, port: number): Promise<Server> => {
    const { startServer } = await import('../../daemon/src/server.js');
    return startServer({ projectDir, port, token, log: () => {} });
  };
  const openPage = async (token: string): Promise<{ page: Page; sockets: () => number }> => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('pageerror', (e) => errors.push(e.message));
    let sockets = 0;
    page.on('websocket', () => sockets++);
    await page.goto(`${server!.origin}/?token=${encodeURIComponent(token)}&slide=${slideId}`);
    await page.waitForSelector('[data-testid="activeseg-status"] [data-connection="open"]', { timeout: 15_000 });
    return { page, sockets: () => sockets };
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ensureViewerBuilt();
    projectDir = mkdtempSync(join(tmpdir(), 'activeseg-session-'));
    server = await start(OLD_TOKEN, 0);
    slideId = await addSlideByPath(server.origin, OLD_TOKEN, DEMO_IMAGE, { pixelSize: PIXEL_SIZE });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (projectDir) rmSync(projectDir, { recursive: true, force: true });
  });

  it('reads out the level-0 pixel and its µm position under the pointer, and nothing off the slide', async () => {
    const { page } = await openPage(OLD_TOKEN);
    const scale = page.locator('[data-testid="activeseg-scale"]');
    await scale.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await scale.textContent()).toMatch(/^\d+ µm$/);
    const box = (await page.locator('#viewer').boundingBox())!;
    const readout = page.locator('[data-testid="activeseg-cursor"]');
    const read = async (): Promise<{ x: number; y: number; um: string } | undefined> => {
      if (await readout.isHidden()) return undefined;
      const m = /^x (\d+), y (\d+) px · ([\d.]+, [\d.]+) µm$/.exec((await readout.textContent()) ?? '');
      return m ? { x: Number(m[1]), y: Number(m[2]), um: m[3]! } : undefined;
    };
    // The home view fits the whole slide, centred: the viewer's centre is the slide's centre.
    const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    await page.mouse.move(centre.x, centre.y);
    await expect
      .poll(async () => {
        const at = await read();
        return at && Math.abs(at.x - SLIDE.width / 2) <= 3 && Math.abs(at.y - SLIDE.height / 2) <= 3;
      })
      .toBe(true);
    const mid = (await read())!;
    expect(mid.um).toBe(`${(mid.x * PIXEL_SIZE.x).toFixed(1)}, ${(mid.y * PIXEL_SIZE.y).toFixed(1)}`);
    // 200 screen px to the right is 200 / (screen px per image px of the fit) image pixels further.
    const fit = Math.min(box.width / SLIDE.width, box.height / SLIDE.height);
    await page.mouse.move(centre.x + 200, centre.y, { steps: 4 });
    await expect.poll(async () => (await read())?.x).not.toBe(mid.x);
    const right = (await read())!;
    expect(Math.abs(right.x - mid.x - 200 / fit)).toBeLessThanOrEqual(3);
    expect(right.y).toBe(mid.y);
    await page.screenshot({ path: join(ARTIFACTS, 'session-cursor-readout.png') });
    // Into the side panel: the pointer has left the slide.
    await page.mouse.move(box.x + box.width + 40, centre.y, { steps: 4 });
    await readout.waitFor({ state: 'hidden' });
    await page.close();
    expect(errors).toEqual([]);
  }, 60_000);

  it('keeps retrying while the daemon is down, and stops with words once it refuses the token', async () => {
    const { page, sockets } = await openPage(OLD_TOKEN);
    const alert = page.locator('[data-testid="activeseg-connection-alert"]');
    expect(await alert.isHidden()).toBe(true);
    const port = server!.port;
    await server!.close();
    // Down: no answer at all, so the page cannot know the token is stale; it keeps trying.
    await page.waitForSelector('[data-connection="reconnecting"]', { timeout: 10_000 });
    const whileDown = sockets();
    // The backoff doubles up to 30 s: wait for one more attempt, however far the backoff has got.
    await expect.poll(sockets, { timeout: 40_000, interval: 250 }).toBeGreaterThan(whileDown);
    expect(await alert.isHidden()).toBe(true);

    // Restarted with another token (as `activeseg serve --new-token` would, or a daemon without a persistent one).
    server = await start(NEW_TOKEN, port);
    // The next attempt is due within the backoff cap (30 s × jitter) plus the check.
    await page.waitForSelector('[data-connection="failed"]', { timeout: 60_000 });
    await alert.waitFor({ state: 'visible' });
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain("This page's access token was refused by the daemon");
    expect(text).toContain('activeseg serve');
    expect(await page.locator('[data-testid="activeseg-error"]').textContent()).toContain('access token was refused');
    // No more reconnect attempts: the default backoff would try several times in this window.
    const atFailure = sockets();
    await page.waitForTimeout(4000);
    expect(sockets()).toBe(atFailure);
    await page.screenshot({ path: join(ARTIFACTS, '07-token-refused.png') });
    await page.close();
    expect(errors).toEqual([]);
  }, 180_000);

  it('destroy() removes the panels, styles, items, overlays, handlers and the socket it added', async () => {
    const { page, sockets } = await openPage(NEW_TOKEN);
    await page.locator('[data-testid="activeseg-slides"] li').first().waitFor();
    const left = await page.evaluate(() => {
      // Runs in the page, where app.ts put the viewer and the handle on window.activeseg.
      interface OsdLike {
        world: { getItemCount(): number };
        currentOverlays: unknown[];
        element: { classList: { contains(c: string): boolean } };
        numberOfHandlers(name: string): number;
      }
      const g = globalThis as unknown as {
        activeseg: { viewer: OsdLike; handle: { destroy(): void } };
        document: { querySelectorAll(s: string): { length: number }; head: { innerHTML: string } };
      };
      const { viewer, handle } = g.activeseg;
      const before = { items: viewer.world.getItemCount(), panels: g.document.querySelectorAll('.activeseg').length };
      handle.destroy();
      return {
        before,
        items: viewer.world.getItemCount(),
        overlays: viewer.currentOverlays.length,
        pluginNodes: g.document.querySelectorAll('.activeseg, .activeseg-status, [data-testid^="activeseg-"]').length,
        styles: g.document.head.innerHTML.includes('.activeseg'),
        dropClass: viewer.element.classList.contains('activeseg-drop'),
        handlers: ['canvas-press', 'canvas-drag', 'canvas-release', 'canvas-click', 'canvas-double-click'].map((n) =>
          viewer.numberOfHandlers(n),
        ),
      };
    });
    expect(left.before.items).toBeGreaterThan(0);
    expect(left.before.panels).toBeGreaterThan(0);
    expect(left).toMatchObject({ items: 0, overlays: 0, pluginNodes: 0, styles: false, dropClass: false });
    expect(left.handlers).toEqual([0, 0, 0, 0, 0]);
    // The socket is closed for good: no reconnects afterwards.
    const atDestroy = sockets();
    await page.waitForTimeout(1500);
    expect(sockets()).toBe(atDestroy);
    await page.close();
    expect(errors).toEqual([]);
  }, 60_000);
});
