import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlideInfo } from '@activeseg/protocol';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartServerResult, startServer } from '../../daemon/src/server.js';
import { writeSyntheticSlide } from '../../daemon/src/testing/write-synthetic-slide.js';

// 20 000² (400 Mpx, 400 MB raw grey): far more than the bound below if anything decoded the slide whole.
const SIZE = 20_000;
const MAX_PEAK_RSS_MB = 600;

let dir: string;
let server: StartServerResult;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-large-'));
  await writeSyntheticSlide(join(dir, 'large.tif'), { width: SIZE, height: SIZE });
  server = await startServer({ projectDir: join(dir, 'project'), port: 0, host: '127.0.0.1', log: () => {} });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

describe(`a ${SIZE}² tiled pyramidal slide`, () => {
  it('is added, browsed and exported with bounded memory', async () => {
    const auth = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
    const added = await fetch(`${server.origin}/api/slides`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ path: join(dir, 'large.tif') }),
    });
    expect(added.status).toBe(201);
    const slide = SlideInfo.parse(await added.json());
    expect(slide).toMatchObject({ width: SIZE, height: SIZE, format: 'tiff' });
    const maxLevel = slide.levels - 1;

    // Every level's corner tile, then a pan across the top row at full resolution and a column down the middle.
    const tiles: [number, number, number][] = [];
    for (let level = 0; level <= maxLevel; level++) tiles.push([level, 0, 0]);
    const n = Math.ceil(SIZE / slide.tileSize);
    for (let col = 0; col < n; col += 4) tiles.push([maxLevel, col, 0]);
    for (let row = 0; row < n; row += 8) tiles.push([maxLevel - 2, Math.floor(n / 8), row >> 2]);
    for (const [level, col, row] of tiles) {
      const res = await fetch(`${server.origin}/api/slides/${slide.id}/tiles/image/${level}/${col}_${row}.jpeg`, {
        headers: auth,
      });
      expect(res.status, `tile ${level}/${col}_${row}`).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }

    // One annotation in the far corner, exported as the full-size tiled TIFF.
    const ann = await fetch(`${server.origin}/api/annotations`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        slideId: slide.id,
        clientId: 'large-slide-annotation',
        region: { x: SIZE - 4, y: SIZE - 2, width: 4, height: 2 },
        mask: { encoding: 'rle', counts: [4, 4] },
      }),
    });
    expect(ann.status).toBeLessThan(300);
    const mask = await fetch(`${server.origin}/api/slides/${slide.id}/export/mask.tiff?token=${server.token}`);
    expect(mask.status).toBe(200);
    const tiff = Buffer.from(await mask.arrayBuffer());
    const corner = await sharp(tiff, { limitInputPixels: false })
      .extract({ left: SIZE - 4, top: SIZE - 2, width: 4, height: 2 })
      .extractChannel(0)
      .raw()
      .toBuffer();
    expect([...corner]).toEqual([0, 0, 0, 0, 255, 255, 255, 255]);

    expect(peakRssMb()).toBeLessThan(MAX_PEAK_RSS_MB);
  });
});
