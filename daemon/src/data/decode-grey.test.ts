import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaleTo8Bit, toGrey } from '@activeseg/shared';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestSlide } from '../slides/ingest-slide.js';
import { loadSharpSlideSource } from '../slides/sharp-slide-source.js';
import { readImage } from './read-image.js';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'activeseg-grey-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const W = 48;
const H = 32;

/** Seeded-looking samples that cover the range and make R, G and B differ (so the weights matter). */
function samples(bands: number, max: number): number[] {
  return Array.from({ length: W * H * bands }, (_, i) => {
    const band = i % bands;
    const p = Math.floor(i / bands);
    // Alpha varies too, so a conversion that composites or premultiplies would show.
    return Math.round(((p * (37 + 11 * band) + band * 101) % 997) * (max / 996));
  });
}

async function write(name: string, bands: number, sixteen: boolean, format: 'png' | 'tiff'): Promise<string> {
  const max = sixteen ? 65535 : 255;
  const values = samples(bands, max);
  const raw = sixteen ? new Uint16Array(values) : new Uint8Array(values);
  const space = bands >= 3 ? (sixteen ? 'rgb16' : 'srgb') : sixteen ? 'grey16' : 'b-w';
  const path = join(root, `${name}.${format === 'png' ? 'png' : 'tif'}`);
  const img = sharp(raw, { raw: { width: W, height: H, channels: bands as 1 | 2 | 3 | 4 } }).toColourspace(space);
  await (format === 'png' ? img.png() : img.tiff({ compression: 'lzw' })).toFile(path);
  return path;
}

const CASES = [
  { name: 'grey', bands: 1 },
  { name: 'grey-alpha', bands: 2 },
  { name: 'rgb', bands: 3 },
  { name: 'rgba', bands: 4 },
] as const;

describe('one colour-to-grey conversion for training/predict (readImage) and slides (SlideSource)', () => {
  for (const format of ['png', 'tiff'] as const) {
    for (const sixteen of [false, true]) {
      for (const c of CASES) {
        const label = `${sixteen ? 16 : 8}-bit ${c.name} ${format}`;
        it(`${label}: readImage is toGrey of the stored samples and the slide reader shows the same pixels`, async () => {
          const path = await write(`${c.name}-${sixteen ? 16 : 8}`, c.bands, sixteen, format);
          const stored = samples(c.bands, sixteen ? 65535 : 255);
          const expected = toGrey(sixteen ? new Uint16Array(stored) : new Uint8Array(stored), {
            bands: c.bands,
            pixels: W * H,
          });
          const read = await readImage(path);
          expect(read.bitDepth).toBe(sixteen ? 16 : 8);
          expect(Array.from(read.data)).toEqual(Array.from(expected));
          const source = await loadSharpSlideSource(path);
          const window = await source.readRegion({ level: 0, x: 0, y: 0, width: W, height: H });
          const shown = read.data instanceof Uint16Array ? scaleTo8Bit(read.data) : read.data;
          expect(Array.from(window)).toEqual(Array.from(shown));
        });
      }
    }
  }

  it('a 16-bit RGBA PNG reads as the same grey through both paths (the issue: 123 vs 172)', async () => {
    const px = [1000, 30000, 60000, 65535];
    const path = join(root, 'one.png');
    await sharp(new Uint16Array(px), { raw: { width: 1, height: 1, channels: 4 } })
      .toColourspace('rgb16')
      .png()
      .toFile(path);
    expect(Array.from((await readImage(path)).data)).toEqual([24749]);
    const source = await loadSharpSlideSource(path);
    expect(Array.from(await source.readRegion({ level: 0, x: 0, y: 0, width: 1, height: 1 }))).toEqual([96]);
  });

  it('a converted colour pyramid (large PNG) keeps the conversion, within JPEG error', async () => {
    const path = await write('big-rgb', 3, false, 'png');
    const r = await ingestSlide(path, { pyramidPath: join(root, 'pyr', 'pyramid.tif'), convertAbovePixels: 100 });
    expect(r.converted).toBe(true);
    const window = await r.source.readRegion({ level: 0, x: 0, y: 0, width: W, height: H });
    const direct = (await readImage(path)).data;
    let worst = 0;
    for (let i = 0; i < W * H; i++) worst = Math.max(worst, Math.abs((window[i] as number) - (direct[i] as number)));
    // Measured: 8 (JPEG q90 on this busy pattern); through libvips' linear-light b-w it was 57.
    expect(worst).toBeLessThanOrEqual(12);
  });
});
