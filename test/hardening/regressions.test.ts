// Unit-level regressions for the bugs the hardening campaign found (each also shows up in the end-to-end tests).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnnotationAck, ErrorBody, httpStatusOf, ServerMessage, SlideInfo } from '@activeseg/protocol';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageProblem } from '../../daemon/src/http/on-error.js';
import { decodeMask } from '../../daemon/src/project/decode-mask.js';
import { ingestSlide } from '../../daemon/src/slides/ingest-slide.js';
import { createTileCache } from '../../daemon/src/slides/tile-cache.js';
import { createHub } from '../../daemon/src/ws/hub.js';
import { createSocketSession } from '../../daemon/src/ws/socket.js';
import { pngWithHeader } from './harness/fuzz-cases.js';
import { DEMO_SLIDE } from './harness/fuzz-target.js';
import { hugeRleBody } from './harness/huge-rle.js';
import { type AbuseTarget, runAbuse, startAbuseTarget } from './harness/run-abuse.js';
import { type DaemonProcess, spawnDaemon } from './harness/spawn-daemon.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-regress-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ws/socket', () => {
  it('does not echo an over-long id as replyTo (the error frame must still parse as a ServerMessage)', () => {
    const sent: string[] = [];
    const socket = {
      readyState: 1,
      bufferedAmount: 0,
      send: (d: string) => void sent.push(d),
      close() {},
      terminate() {},
    };
    const session = createSocketSession(socket, {
      hub: createHub({ replayBufferSize: 8, maxBufferedBytes: 1 << 20 }),
      maxInboundFramesPerSecond: 100,
      backendName: () => 'none',
      modelVersion: () => 0,
      cancelJob: () => {},
    });
    session.onMessage(JSON.stringify({ type: 'job.cancel', jobId: '../x', id: 'r'.repeat(500_000) }));
    session.onMessage(JSON.stringify({ type: 'job.cancel', jobId: '../x', id: 'r1' }));
    const [long, short] = sent.map((s) => ServerMessage.parse(JSON.parse(s)));
    expect(long).toMatchObject({ type: 'error', code: 'BAD_MESSAGE' });
    expect(long && 'replyTo' in long ? long.replyTo : undefined).toBeUndefined();
    expect(sent[0]!.length).toBeLessThan(1000);
    expect(short).toMatchObject({ type: 'error', code: 'BAD_MESSAGE', replyTo: 'r1' });
  });
});

describe('project/decode-mask', () => {
  it('refuses a PNG mask whose header size differs from the region before decoding it', async () => {
    await expect(
      decodeMask({ encoding: 'png-base64', data: pngWithHeader(16_000, 16_000) }, 4, 2),
    ).rejects.toMatchObject({
      code: 'ANNOTATION_MASK_INVALID',
      message: 'mask PNG is 16000×16000, region is 4×2',
    });
  });
});

describe('slides/ingest-slide', () => {
  const opts = () => ({ pyramidPath: join(dir, 'p', 'pyramid.tif'), convertAbovePixels: 10_000 });
  it('a TIFF cut before its directory is SLIDE_CORRUPT, not SLIDE_UNSUPPORTED_FORMAT', async () => {
    const tif = await sharp(DEMO_SLIDE).greyscale().tiff({ compression: 'lzw' }).toBuffer();
    const path = join(dir, 'cut.tif');
    writeFileSync(path, tif.subarray(0, tif.length >> 1));
    await expect(ingestSlide(path, opts())).rejects.toMatchObject({ code: 'SLIDE_CORRUPT' });
    writeFileSync(join(dir, 'text.tif'), 'not an image');
    await expect(ingestSlide(join(dir, 'text.tif'), opts())).rejects.toMatchObject({
      code: 'SLIDE_UNSUPPORTED_FORMAT',
    });
  });

  it('a pyramidal TIFF cut inside its lower pages is SLIDE_CORRUPT at ingest', async () => {
    const tif = await sharp(DEMO_SLIDE)
      .extract({ left: 0, top: 0, width: 600, height: 400 })
      .greyscale()
      .tiff({ tile: true, tileWidth: 256, tileHeight: 256, pyramid: true, compression: 'jpeg' })
      .toBuffer();
    const path = join(dir, 'cut-pyramid.tif');
    writeFileSync(path, tif.subarray(0, Math.floor(tif.length * 0.9)));
    await expect(ingestSlide(path, opts())).rejects.toMatchObject({ code: 'SLIDE_CORRUPT' });
  });

  it('a header claiming 10^10 pixels in a tiny file is refused at once, even without a pixel limit', async () => {
    const path = join(dir, 'huge.png');
    writeFileSync(path, Buffer.from(pngWithHeader(100_000, 100_000), 'base64'));
    const t = Date.now();
    await expect(ingestSlide(path, opts())).rejects.toMatchObject({ code: 'SLIDE_CORRUPT' });
    expect(Date.now() - t).toBeLessThan(2000);
  });
});

describe('slides/tile-cache and http/on-error', () => {
  it('serves a rendered tile even when caching it fails', async () => {
    const logs: string[] = [];
    const cache = createTileCache({ log: (m) => void logs.push(m) });
    // A path under a regular file cannot be created (ENOTDIR), like a full or read-only disk.
    writeFileSync(join(dir, 'file'), 'x');
    const bytes = await cache.getOrRender(join(dir, 'file', 'a', 'tile.png'), async () => new Uint8Array([1, 2, 3]));
    expect(bytes).toEqual(new Uint8Array([1, 2, 3]));
    expect(logs).toHaveLength(1);
  });

  it('names disk-full (DISK_FULL, 507) and read-only failures instead of a bare internal error', () => {
    const e = (code: string) => Object.assign(new Error(code), { code });
    const full = { code: 'DISK_FULL', message: expect.stringMatching(/out of disk space/) };
    expect(storageProblem(e('ENOSPC'))).toMatchObject(full);
    expect(storageProblem(e('EDQUOT'))).toMatchObject(full);
    expect(storageProblem(e('SQLITE_FULL'))).toMatchObject(full);
    // sharp/libvips errors carry no errno code, only the OS's words; a wrapped one keeps its cause.
    expect(storageProblem(new Error('tiffsave: write failed: No space left on device'))).toMatchObject(full);
    expect(storageProblem(new Error('ingest failed', { cause: e('ENOSPC') }))).toMatchObject(full);
    expect(httpStatusOf('DISK_FULL')).toBe(507);
    expect(storageProblem(e('EROFS'))?.message).toMatch(/read-only/);
    expect(storageProblem(e('SQLITE_READONLY_DBMOVED'))?.message).toMatch(/read-only/);
    expect(storageProblem(new Error('boom'))).toBeUndefined();
  });
});

describe('ws/hub and tiles on a real daemon (issue #14 items 1, 2, 7)', () => {
  let target: AbuseTarget | undefined;
  afterAll(async () => {
    await target?.daemon.kill('SIGKILL');
  });
  const start = async () => {
    target ??= await startAbuseTarget(join(dir, 'abuse'));
    return target;
  };

  it('a paused client repeating hello after the replay buffer filled is closed at once: RSS and health stay flat', async () => {
    const [r] = await runAbuse({ target: await start(), families: ['ws:repeated-hello-replay'], durationMs: 4000 });
    expect(r).toMatchObject({
      crashed: false,
      annotations: { lost: 0 },
      outcome: { closeCode: 1002, welcomes: 1, errorCodes: 'PROTOCOL_VIOLATION' },
    });
    expect(r!.tried).toBeGreaterThan(1000);
    expect(r!.rssPeakMb - r!.rssStartMb).toBeLessThan(200);
    expect(r!.health.failed).toBe(0);
    expect(r!.health.p99Ms).toBeLessThan(500);
  }, 90_000);

  it('a paused client sending malformed frames is cut off; unknown ?v= tiles are 404 and never cached', async () => {
    const [bad, unknownV] = await runAbuse({
      target: await start(),
      families: ['ws:non-reading:bad-message', 'http:unknown-v'],
      durationMs: 2000,
    });
    expect(bad).toMatchObject({ crashed: false, annotations: { lost: 0 }, outcome: { closeCode: 1008 } });
    expect(bad!.rssPeakMb - bad!.rssStartMb).toBeLessThan(200);
    expect(bad!.health.p99Ms).toBeLessThan(500);
    expect(unknownV!.outcome).toEqual({
      '404 MODEL_VERSION_NOT_FOUND': unknownV!.tried,
      cacheEntriesAdded: 0,
    });
  }, 90_000);
});

describe('POST /api/annotations with huge RLE bodies (#14 item 3)', () => {
  // A 4096² slide, so the largest allowed region (the default maxAnnotationPixels, 4096²) is in bounds.
  const SIDE = 4096;
  const region = { x: 0, y: 0, width: SIDE, height: SIDE };
  let daemon: DaemonProcess | undefined;
  afterAll(async () => {
    await daemon?.kill('SIGKILL');
  });

  /** Polls /api/health back to back while `work` runs; returns every latency (ms) and the peak RSS growth (MB). */
  async function healthDuring<T>(d: DaemonProcess, work: Promise<T>) {
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${d.child.pid}/status`, 'utf8'))?.[1]) / 1024;
    const rss0 = rss();
    let peak = rss0;
    let done = false;
    const result = work.finally(() => {
      done = true;
    });
    const latencies: number[] = [];
    while (!done) {
      const t = performance.now();
      expect((await fetch(`${d.origin}/api/health`)).status).toBe(200);
      latencies.push(performance.now() - t);
      peak = Math.max(peak, rss());
      await new Promise((r) => setTimeout(r, 10));
    }
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]!;
    return { result: await result, samples: latencies.length, p99, max: latencies.at(-1)!, rssGrowthMb: peak - rss0 };
  }

  it('a 30 MB body (15 M runs), and three at once, leave /api/health answering within 300 ms', async () => {
    const projectDir = join(dir, 'huge-rle');
    daemon = await spawnDaemon({ projectDir });
    const d = daemon;
    const slidePath = join(dir, 'big-slide.png');
    await sharp({ create: { width: SIDE, height: SIDE, channels: 3, background: '#808080' } })
      .png({ compressionLevel: 1 })
      .toFile(slidePath);
    const added = await fetch(`${d.origin}/api/slides`, {
      method: 'POST',
      headers: d.headers(),
      body: JSON.stringify({ path: slidePath }),
    });
    const slide = SlideInfo.parse(await added.json());
    const post = (body: Buffer) =>
      fetch(`${d.origin}/api/annotations`, { method: 'POST', headers: d.headers(), body }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as unknown,
      }));
    // Built before measuring: making 30 MB strings stalls this process, which must only time the daemon.
    const body = (clientId: string) => hugeRleBody({ slideId: slide.id, region, clientId, runs: 15_000_000 });
    const first = body('huge-rle-one-0');
    const bodies = [0, 1, 2].map((i) => body(`huge-rle-three-${i}`));
    expect(first.length).toBeGreaterThan(30_000_000);

    const since = Date.now();
    const one = await healthDuring(d, post(first));
    expect(one.result.status).toBe(201);
    expect(AnnotationAck.parse(one.result.body).patches).toHaveLength(64);
    const three = await healthDuring(d, Promise.all(bodies.map(post)));
    expect(three.result.map((r) => r.status)).toEqual([201, 201, 201]);
    // The daemon's own event-loop delay, sampled each second by the fixture (not affected by this process).
    const eldMaxMs = Math.max(...d.eventLoopDelay(since).map((e) => e.max));
    const summary = (r: { samples: number; p99: number; max: number; rssGrowthMb: number }) => ({
      samples: r.samples,
      p99: r.p99,
      max: r.max,
      rssGrowthMb: r.rssGrowthMb,
    });
    console.log(
      `huge RLE: one ${JSON.stringify(summary(one))} three ${JSON.stringify(summary(three))} eldMaxMs ${eldMaxMs}`,
    );
    expect(one.samples).toBeGreaterThan(5);
    expect(one.p99).toBeLessThan(300);
    expect(three.p99).toBeLessThan(300);
    // One body is parsed at a time (one worker), so three cost about what one does, not three times that.
    expect(three.rssGrowthMb).toBeLessThan(700);
  }, 600_000);

  it('refuses more runs than the region has pixels (+1) as ANNOTATION_MASK_INVALID on mask.counts', async () => {
    const d = daemon!;
    const slides = (await (await fetch(`${d.origin}/api/slides`, { headers: d.headers() })).json()) as {
      slides: { id: string }[];
    };
    const small = { x: 0, y: 0, width: 100, height: 100 };
    const res = await fetch(`${d.origin}/api/annotations`, {
      method: 'POST',
      headers: d.headers(),
      body: hugeRleBody({
        slideId: slides.slides[0]!.id,
        region: small,
        clientId: 'padded-rle-0',
        runs: 10_000,
        zeroRuns: 1_000_000,
      }),
    });
    expect(res.status).toBe(422);
    expect(ErrorBody.parse(await res.json()).error).toMatchObject({
      code: 'ANNOTATION_MASK_INVALID',
      field: 'mask.counts',
      message: 'mask.counts has 1010000 runs; a region of 10000 pixels has at most 10001',
    });
  });
});
