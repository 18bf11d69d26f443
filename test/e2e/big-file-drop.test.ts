import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlideList } from '@activeseg/protocol';
import type { Browser, CDPSession, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireSystemCommand } from '../system/require-system-command.js';
import { ARTIFACTS, DEMO_IMAGE, ensureViewerBuilt, launchChromium } from './e2e-setup.js';

/**
 * A ~200 MB slide file dropped on the viewer (CDP drag events with the file's path: a disk-backed File, as a
 * person's drop gives; Cancel is tried through the "Open image…" file input) is streamed to the real daemon without being decoded in the page: a progress bar, Cancel that keeps nothing, the
 * upload itself, the slide shown from the daemon's tiles, and the same file again asks first. Chromium's memory is
 * sampled all along (every Chromium process's RSS from /proc, and the page's JS heap over CDP) and must stay far
 * below the file's size: before this, a 180 MB TIFF grew Chromium to 7.5 GB and nothing was uploaded.
 */
const TOKEN = 'e2e-bigfile-token-0123456789';
const MB = 1024 * 1024;
/** Level 0 edge: 12 544² 8-bit grey plus its pyramid, uncompressed, is 204 MiB (214 MB). */
const EDGE = 12_544;

interface Server {
  origin: string;
  close(): Promise<void>;
}

/**
 * A tiled, pyramidal, uncompressed TIFF of real EM texture: the demo slide's grey values repeated, mirrored on
 * every other copy so neighbours meet without a seam (tissue, not noise, so the tiles look like a slide).
 */
async function writeBigEmTiff(path: string): Promise<void> {
  const { data, info } = await sharp(DEMO_IMAGE).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const { width: w, height: h } = info;
  const out = Buffer.allocUnsafe(EDGE * EDGE);
  for (let y = 0; y < EDGE; y++) {
    const ty = Math.floor(y / h);
    const sy = ty % 2 === 0 ? y % h : h - 1 - (y % h);
    const row = y * EDGE;
    for (let x = 0; x < EDGE; x++) {
      const tx = Math.floor(x / w);
      const sx = tx % 2 === 0 ? x % w : w - 1 - (x % w);
      out[row + x] = data[sy * w + sx]!;
    }
  }
  await sharp(out, { raw: { width: EDGE, height: EDGE, channels: 1 }, limitInputPixels: false })
    // One band on disk (libvips would otherwise save raw single-band input as sRGB, three bytes a pixel).
    .toColourspace('b-w')
    .tiff({ tile: true, tileWidth: 256, tileHeight: 256, pyramid: true, bigtiff: true, compression: 'none' })
    .toFile(path);
}

/** Every process under `root` (its children, theirs, …), from /proc. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name is in parentheses and may hold spaces: the parent pid is the second field after it.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone between the listing and the read.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const p = queue.pop()!;
    for (const [child, pp] of parent) {
      if (pp === p) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of every Chromium process this test started (browser, renderers, GPU, network service). */
function chromiumRss(): { total: number; largest: number } {
  let total = 0;
  let largest = 0;
  for (const pid of descendants(process.pid)) {
    let comm = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8');
    } catch {
      continue;
    }
    if (!/chrom/i.test(comm)) continue;
    const rss = rssBytes(pid);
    total += rss;
    largest = Math.max(largest, rss);
  }
  return { total, largest };
}

async function jsHeapUsed(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? Number.NaN;
}

/** Samples Chromium's memory every 100 ms until stopped; returns the peaks. */
function sampleMemory(cdp: CDPSession) {
  const peak = { total: 0, largest: 0, heap: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const rss = chromiumRss();
      peak.total = Math.max(peak.total, rss.total);
      peak.largest = Math.max(peak.largest, rss.largest);
      peak.heap = Math.max(peak.heap, await jsHeapUsed(cdp).catch(() => 0));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

/**
 * Drops a file from disk on the viewer as a person would: CDP's drag events carry file paths, so the page gets a
 * disk-backed File (a DataTransfer built in the page would have to hold the 200 MB in memory first).
 */
async function dropFile(page: Page, cdp: CDPSession, path: string): Promise<void> {
  const box = await page.locator('[data-testid="viewer"]').boundingBox();
  if (!box) throw new Error('the viewer has no box');
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const data = { items: [], files: [path], dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const) {
    await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
  }
}

describe('a 200 MB TIFF given to the viewer', () => {
  let browser: Browser | undefined;
  let server: Server | undefined;
  let projectDir = '';
  let fileDir = '';
  let bigTiff = '';
  let page: Page;
  let cdp: CDPSession;
  const errors: string[] = [];
  const previewRequests: string[] = [];

  const slides = async () => {
    const res = await fetch(`${server!.origin}/api/slides`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return SlideList.parse(await res.json()).slides;
  };
  /** Files under the project's slides folder, temp files included. */
  const slideFiles = () => {
    const dir = join(projectDir, 'slides');
    return existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String) : [];
  };
  const picker = () => page.locator('[data-testid="activeseg-toolbar"] input[type="file"]');
  const bar = () => page.locator('[data-testid="activeseg-upload"]');

  beforeAll(async () => {
    requireSystemCommand('chromium');
    ensureViewerBuilt();
    projectDir = mkdtempSync(join(tmpdir(), 'activeseg-bigfile-'));
    fileDir = mkdtempSync(join(tmpdir(), 'activeseg-bigfile-src-'));
    bigTiff = join(fileDir, 'em-200mb.tif');
    await writeBigEmTiff(bigTiff);
    const { startServer } = await import('../../daemon/src/server.js');
    server = await startServer({ projectDir, port: 0, token: TOKEN, log: () => {} });
    browser = await launchChromium(['--disable-background-networking', '--disable-component-update', '--disable-sync']);
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (r.url().includes('/vendor/image-io/pipelines/')) previewRequests.push(r.url());
    });
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(`${server.origin}/?token=${TOKEN}`);
    await page.waitForSelector('[data-testid="activeseg-status"] [data-connection="open"]', { timeout: 30_000 });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (projectDir) rmSync(projectDir, { recursive: true, force: true });
    if (fileDir) rmSync(fileDir, { recursive: true, force: true });
  });

  it('is ~200 MB of tiled EM texture', () => {
    const size = statSync(bigTiff).size;
    expect(size).toBeGreaterThan(190 * MB);
    expect(size).toBeLessThan(215 * MB);
  });

  it('Cancel while it uploads keeps nothing, on the daemon or in the list', async () => {
    const upload = page.waitForRequest((r) => r.url().includes('/api/uploads?'), { timeout: 30_000 });
    await picker().setInputFiles(bigTiff);
    await upload;
    await bar().waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('[data-testid="activeseg-upload-cancel"]').click();
    await bar().waitFor({ state: 'hidden', timeout: 10_000 });
    await expect
      .poll(() => page.locator('[data-testid="activeseg-annotation-status"]').textContent(), { timeout: 10_000 })
      .toContain('cancelled; nothing was added');
    // The daemon sees the closed connection and removes the partial file.
    await expect.poll(slideFiles, { timeout: 15_000 }).toEqual([]);
    expect(await slides()).toEqual([]);
  }, 120_000);

  it('dropped, uploads streamed from disk with a progress bar, never decoded in the page, Chromium memory bounded', async () => {
    const before = chromiumRss();
    const heapBefore = await jsHeapUsed(cdp);
    const sampler = sampleMemory(cdp);
    const progress: string[] = [];
    const answered = page.waitForResponse((r) => r.url().includes('/api/uploads?'), { timeout: 300_000 });
    const started = performance.now();
    await dropFile(page, cdp, bigTiff);
    await bar().waitFor({ state: 'visible', timeout: 10_000 });
    progress.push((await page.locator('[data-testid="activeseg-upload-label"]').textContent()) ?? '');
    const res = await answered;
    const seconds = (performance.now() - started) / 1000;
    expect(res.status()).toBe(201);
    // Asked of the daemon: the page's response body may be gone from the inspector's cache by now.
    const listed = await slides();
    expect(listed).toHaveLength(1);
    const info = listed[0]!;
    expect(info).toMatchObject({ width: EDGE, height: EDGE, name: 'em-200mb.tif' });
    // Shown from the daemon's tiles.
    const item = page.locator(`[data-testid="activeseg-slides"] li[data-slide-id="${info.id}"]`);
    await expect.poll(() => item.getAttribute('aria-selected'), { timeout: 60_000 }).toBe('true');
    await page.waitForResponse((r) => r.url().includes(`/api/slides/${info.id}/tiles/image/`) && r.ok(), {
      timeout: 60_000,
    });
    await bar().waitFor({ state: 'hidden', timeout: 10_000 });
    const peak = await sampler.stop();
    const grew = (peak.total - before.total) / MB;
    console.log(
      `[big-file-drop] ${(statSync(bigTiff).size / MB).toFixed(0)} MiB uploaded in ${seconds.toFixed(1)} s; ` +
        `Chromium RSS (all processes) ${(before.total / MB).toFixed(0)} → peak ${(peak.total / MB).toFixed(0)} MiB ` +
        `(+${grew.toFixed(0)}), largest process peak ${(peak.largest / MB).toFixed(0)} MiB, ` +
        `JS heap ${(heapBefore / MB).toFixed(1)} → peak ${(peak.heap / MB).toFixed(1)} MiB; label "${progress[0]}"`,
    );
    const total = (statSync(bigTiff).size / MB).toFixed(0);
    expect(progress[0]).toMatch(new RegExp(`^Uploading em-200mb\\.tif: [\\d.]+ of ${total} MB$`));
    expect(previewRequests).toEqual([]);
    // The file is 200 MiB; decoding it would take 4 bytes a pixel (600 MiB+) in the renderer alone.
    expect(grew).toBeLessThan(150);
    expect(peak.heap - heapBefore).toBeLessThan(32 * MB);
    await page.screenshot({ path: join(ARTIFACTS, 'big-file-drop.png') });
    expect(errors).toEqual([]);
  }, 420_000);

  it('dropped again, asks before sending it; declining sends nothing', async () => {
    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    let uploads = 0;
    const count = (r: { url(): string }) => {
      if (r.url().includes('/api/uploads?')) uploads++;
    };
    page.on('request', count);
    await dropFile(page, cdp, bigTiff);
    await expect.poll(() => asked.length, { timeout: 10_000 }).toBe(1);
    expect(asked[0]).toMatch(/was already added as slide sl_[\w-]+\. Add it again\?/);
    await page.waitForTimeout(500);
    page.off('request', count);
    expect(uploads).toBe(0);
    expect(await slides()).toHaveLength(1);
  }, 60_000);

  it("over the daemon's maxUploadBytes: refused from its announced size, the page says so in words, nothing kept", async () => {
    const { startServer } = await import('../../daemon/src/server.js');
    const capped = mkdtempSync(join(tmpdir(), 'activeseg-bigfile-capped-'));
    const small = await startServer({
      projectDir: capped,
      port: 0,
      token: TOKEN,
      config: { maxUploadBytes: 64 * MB },
      log: () => {},
    });
    const other = await browser!.newPage({ viewport: { width: 1280, height: 720 } });
    try {
      await other.goto(`${small.origin}/?token=${TOKEN}`);
      await other.waitForSelector('[data-testid="activeseg-status"] [data-connection="open"]', { timeout: 30_000 });
      const answered = other.waitForResponse((r) => r.url().includes('/api/uploads?'), { timeout: 60_000 });
      await dropFile(other, await other.context().newCDPSession(other), bigTiff);
      expect((await answered).status()).toBe(413);
      const error = other.locator('[data-testid="activeseg-error"]');
      await expect.poll(() => error.textContent(), { timeout: 10_000 }).toContain('larger than the daemon accepts');
      expect(await other.locator('[data-testid="activeseg-upload"]').isHidden()).toBe(true);
      expect(existsSync(join(capped, 'slides')) ? readdirSync(join(capped, 'slides')) : []).toEqual([]);
    } finally {
      await other.close();
      await small.close();
      rmSync(capped, { recursive: true, force: true });
    }
  }, 120_000);
});
