import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, addSlideByPath, ensureViewerBuilt, launchChromium } from './e2e-setup.js';

/**
 * The viewer page across a daemon's lifetime, in real Chromium against the real daemon (no model engine: the
 * slide alone is enough): a daemon that is down is retried, a daemon that restarted with another token is not
 * (the page says what to do instead), and `destroy()` takes everything the plugin added off the host viewer.
 */
const OLD_TOKEN = 'session-token-old-0123456789';
const NEW_TOKEN = 'session-token-new-9876543210';

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
    slideId = await addSlideByPath(server.origin, OLD_TOKEN);
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (projectDir) rmSync(projectDir, { recursive: true, force: true });
  });

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
