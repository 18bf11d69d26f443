import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IMAGE } from '../testing/temp-project.js';
import { writeOmeTiff } from '../testing/write-ome-tiff.js';
import { ingestSlide } from './ingest-slide.js';
import { readOmeTiffPixelSize } from './ome-tiff-metadata.js';

let dir: string;
let image: { data: Uint8Array; width: number; height: number };
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-ometiff-'));
  const { data, info } = await sharp(DEMO_IMAGE).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  image = { data: new Uint8Array(data), width: info.width, height: info.height };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('OME-TIFF', () => {
  it('ingest takes the pixel size (µm) from the OME-XML PhysicalSizeX/Y and their units', async () => {
    const path = join(dir, 'sized.ome.tif');
    await writeOmeTiff(path, { ...image, physicalSizeNm: 8 });
    const r = await ingestSlide(path, { pyramidPath: join(dir, 'p1.tif') });
    expect(r.pixelSize).toEqual({ x: 0.008, y: 0.008, unit: 'µm' });
  });

  it('has no pixel size without PhysicalSize attributes, or without OME-XML', async () => {
    const bare = join(dir, 'bare.ome.tif');
    await writeOmeTiff(bare, image);
    expect(await readOmeTiffPixelSize(bare)).toBeUndefined();
    const plain = join(dir, 'plain.tif');
    await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 1 } })
      .tiff()
      .toFile(plain);
    expect(await readOmeTiffPixelSize(plain)).toBeUndefined();
    expect((await ingestSlide(plain, { pyramidPath: join(dir, 'p2.tif') })).pixelSize).toBeUndefined();
  });

  it('serves zoomed-out levels from a SubIFD pyramid instead of resampling level 0', async () => {
    const path = join(dir, 'pyramid.ome.tif');
    await writeOmeTiff(path, { ...image, physicalSizeNm: 8, subIfdLevels: 2 });
    const { source } = await ingestSlide(path, { pyramidPath: join(dir, 'p3.tif') });
    const w = Math.ceil(image.width / 4);
    const h = Math.ceil(image.height / 4);
    const got = await source.readRegion({ level: 2, x: 0, y: 0, width: w, height: h });
    const stored = await sharp(path, { subifd: 1 }).extractChannel(0).raw().toBuffer();
    expect(Buffer.from(got).equals(stored)).toBe(true);
    // The stored level (nearest) differs from what resampling level 0 gives, so the equality above is not luck.
    const resampled = await sharp(path).resize(w, h, { fit: 'fill' }).toColourspace('b-w').raw().toBuffer();
    expect(resampled.equals(stored)).toBe(false);
  });
});
