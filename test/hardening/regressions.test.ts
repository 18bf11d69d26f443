// Unit-level regressions for the bugs the hardening campaign found (each also shows up in the end-to-end tests).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpStatusOf, ServerMessage } from '@activeseg/protocol';
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

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-regress-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ws/socket', () => {
  it('does not echo an over-long id as replyTo (the error frame must still parse as a ServerMessage)', () => {
    const sent: string[] = [];
    const socket = { readyState: 1, bufferedAmount: 0, send: (d: string) => void sent.push(d), close() {} };
    const session = createSocketSession(socket, {
      hub: createHub({ replayBufferSize: 8, maxBufferedBytes: 1 << 20 }),
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
