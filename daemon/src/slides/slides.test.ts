import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../errors/api-error.js';
import { DEMO_IMAGE } from '../testing/temp-project.js';
import { dziDescriptor, dziLayout, dziTileBounds, renderDziTile } from './dzi.js';
import { ingestSlide } from './ingest-slide.js';
import { loadSharpSlideSource } from './sharp-slide-source.js';
import { levelCount } from './slide-source.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-slides-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dzi layout (256, overlap 0)', () => {
  const layout = dziLayout({ width: 1541, height: 1096 });
  it('numbers levels like DZI', () => {
    expect(layout.maxLevel).toBe(11);
    expect(dziTileBounds(layout, 11, 6, 4)).toMatchObject({ sourceLevel: 0, x: 1536, y: 1024, width: 5, height: 72 });
    expect(dziTileBounds(layout, 11, 7, 0)).toBeUndefined();
    expect(dziTileBounds(layout, 0, 0, 0)).toMatchObject({ sourceLevel: 11, width: 1, height: 1 });
    expect(dziTileBounds(layout, 12, 0, 0)).toBeUndefined();
    expect(dziTileBounds(layout, 10, 1, 0)?.level0).toEqual({ x: 512, y: 0, width: 512, height: 512 });
  });
  it('writes a DZI descriptor', () => {
    expect(dziDescriptor(layout)).toContain('Overlap="0" TileSize="256"');
    expect(dziDescriptor(layout)).toContain('<Size Width="1541" Height="1096"/>');
  });
});

describe('loadSharpSlideSource', () => {
  it('reads grey windows at level 0 and downsampled levels', async () => {
    const src = await loadSharpSlideSource(DEMO_IMAGE);
    expect(src).toMatchObject({ width: 1541, height: 1096, format: 'png', levels: levelCount(1541, 1096, 256) });
    const full = await sharp(DEMO_IMAGE)
      .extract({ left: 100, top: 50, width: 8, height: 4 })
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    expect(Buffer.from(await src.readRegion({ level: 0, x: 100, y: 50, width: 8, height: 4 }))).toEqual(full);
    const low = await src.readRegion({ level: 2, x: 0, y: 0, width: 386, height: 274 });
    expect(low.length).toBe(386 * 274);
    await expect(src.readRegion({ level: 0, x: 1540, y: 0, width: 2, height: 1 })).rejects.toThrow(RangeError);
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(src.readRegion({ level: 0, x: 0, y: 0, width: 1, height: 1, signal: ctrl.signal })).rejects.toThrow();
  });

  it('renders a JPEG tile', async () => {
    const src = await loadSharpSlideSource(DEMO_IMAGE);
    const bytes = await renderDziTile(src, dziLayout(src), { level: 11, col: 6, row: 4 }, { format: 'jpeg' });
    const meta = await sharp(bytes!).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 5, height: 72 });
  });
});

describe('ingestSlide', () => {
  const pyramidPath = () => join(dir, 'slides', 'sl_x', 'pyramid.tif');
  const code = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    return (err as ApiError).code;
  };

  it('accepts a small PNG as is', async () => {
    const r = await ingestSlide(DEMO_IMAGE, { pyramidPath: pyramidPath() });
    expect(r).toMatchObject({ converted: false, readPath: DEMO_IMAGE, name: 'sub-rat8_sample-V915.png' });
  });

  it('converts a large non-tiled input into a tiled pyramidal TIFF, read by pages', async () => {
    const r = await ingestSlide(DEMO_IMAGE, { pyramidPath: pyramidPath(), convertAbovePixels: 1000 });
    expect(r.converted).toBe(true);
    const meta = await sharp(r.readPath).metadata();
    expect(meta).toMatchObject({ format: 'tiff', width: 1541, height: 1096 });
    expect(meta.pages).toBeGreaterThan(1);
    const tile = await r.source.readRegion({ level: 3, x: 0, y: 0, width: 100, height: 100 });
    expect(tile.length).toBe(10_000);
  });

  it('rejects missing, unknown, truncated and oversized files with protocol codes', async () => {
    expect(await code(ingestSlide(join(dir, 'nope.png'), { pyramidPath: pyramidPath() }))).toBe('SLIDE_FILE_NOT_FOUND');
    const junk = join(dir, 'junk.tif');
    writeFileSync(junk, 'definitely not an image');
    expect(await code(ingestSlide(junk, { pyramidPath: pyramidPath() }))).toBe('SLIDE_UNSUPPORTED_FORMAT');
    const bytes = readFileSync(DEMO_IMAGE);
    const truncated = join(dir, 'truncated.png');
    writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
    expect(await code(ingestSlide(truncated, { pyramidPath: pyramidPath() }))).toBe('SLIDE_CORRUPT');
    expect(await code(ingestSlide(DEMO_IMAGE, { pyramidPath: pyramidPath(), maxSlidePixels: 1000 }))).toBe(
      'SLIDE_TOO_LARGE',
    );
  });
});
