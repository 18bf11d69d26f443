import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../errors/api-error.js';
import { DEMO_IMAGE } from '../testing/temp-project.js';
import { writeMultiPageTiff } from '../testing/write-multi-page-tiff.js';
import { writeOmeZarr } from '../testing/write-ome-zarr.js';
import { ingestSlide } from './ingest-slide.js';
import { openOmeZarrSource } from './ome-zarr-source.js';
import { loadSharpSlideSource } from './sharp-slide-source.js';

const W = 300;
const H = 200;
let dir: string;
/** Three different real SEM crops (demo/axondeepseg-sem, MIT), one per section. */
let sections: Uint8Array[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-volume-'));
  sections = await Promise.all(
    [0, 1, 2].map(async (z) => {
      const out = await sharp(DEMO_IMAGE)
        .extract({ left: 40 + 97 * z, top: 30 + 61 * z, width: W, height: H })
        .toColourspace('b-w')
        .raw()
        .toBuffer();
      return new Uint8Array(out);
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const window = (plane: Uint8Array, x: number, y: number, w: number, h: number) => {
  const out = new Uint8Array(w * h);
  for (let r = 0; r < h; r++) out.set(plane.subarray((y + r) * W + x, (y + r) * W + x + w), r * w);
  return Buffer.from(out);
};

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return err;
}

describe('a multi-page TIFF of same-sized pages is a volume', () => {
  it('reads each page as its own section, at level 0 and zoomed out', async () => {
    const path = join(dir, 'stack.tif');
    const all = Buffer.concat(sections);
    await sharp(all, { raw: { width: W, height: H * 3, channels: 1, pageHeight: H } })
      .toColourspace('b-w')
      .tiff({ compression: 'deflate' })
      .toFile(path);
    const src = await loadSharpSlideSource(path);
    expect(src).toMatchObject({ width: W, height: H, sections: 3 });
    for (const z of [0, 1, 2]) {
      const got = await src.readRegion({ level: 0, x: 17, y: 23, width: 120, height: 90, z });
      expect(Buffer.from(got).equals(window(sections[z]!, 17, 23, 120, 90))).toBe(true);
    }
    // Zoomed out, section 2 is a downsampled section 2 (close to its mean), not page 1 read as a pyramid level.
    const half = await src.readRegion({ level: 1, x: 0, y: 0, width: W / 2, height: H / 2, z: 2 });
    const mean = (a: Uint8Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean(half) - mean(sections[2]!))).toBeLessThan(2);
    await expect(src.readRegion({ level: 0, x: 0, y: 0, width: 4, height: 4, z: 3 })).rejects.toThrow(/section 3/);
  });

  it('keeps a halving multi-page TIFF a 2D pyramid', async () => {
    const path = join(dir, 'pyramid.tif');
    await sharp(Buffer.from(sections[0]!), { raw: { width: W, height: H, channels: 1 } })
      .tiff({ pyramid: true, tile: true, tileWidth: 64, tileHeight: 64 })
      .toFile(path);
    expect((await loadSharpSlideSource(path)).sections).toBe(1);
  });

  it('refuses a stack whose pages differ in size, naming the page, and stores nothing', async () => {
    const path = join(dir, 'odd-stack.tif');
    const small = { width: W - 10, height: H, data: new Uint8Array((W - 10) * H) };
    await writeMultiPageTiff(path, [
      { width: W, height: H, data: sections[0]! },
      { width: W, height: H, data: sections[1]! },
      small,
    ]);
    const pyramidPath = join(dir, 'project-odd', 'slides', 'sl_x', 'pyramid.tif');
    const err = await refusal(ingestSlide(path, { pyramidPath }));
    expect(err.code).toBe('SLIDE_SECTIONS_MISMATCH');
    expect(err.message).toContain('odd-stack.tif: page 2 is 290×200 but page 0 is 300×200');
    expect(existsSync(dirname(pyramidPath))).toBe(false);
  });
});

describe('a folder of same-sized images is a volume', () => {
  it('stacks the images in name order (numbers as numbers), skipping sidecars', async () => {
    const folder = join(dir, 'sections');
    mkdirSync(folder);
    // s10 sorts after s2: a plain string sort would put it second.
    const names = ['s1.png', 's2.png', 's10.png'];
    for (const [z, name] of names.entries()) {
      await sharp(Buffer.from(sections[z]!), { raw: { width: W, height: H, channels: 1 } })
        .png()
        .toFile(join(folder, name));
    }
    writeFileSync(join(folder, 'README.md'), 'sections of a test block');
    const pyramidPath = join(dir, 'project', 'slides', 'sl_a', 'pyramid.tif');
    const result = await ingestSlide(folder, { pyramidPath });
    expect(result).toMatchObject({ readPath: pyramidPath, converted: true, name: 'sections' });
    expect(result.source).toMatchObject({ width: W, height: H, sections: 3 });
    for (const z of [0, 1, 2]) {
      const got = await result.source.readRegion({ level: 0, x: 250, y: 150, width: 50, height: 50, z });
      expect(Buffer.from(got).equals(window(sections[z]!, 250, 150, 50, 50))).toBe(true);
    }
  });

  it('refuses a folder whose images differ in size, naming the file, and stores nothing', async () => {
    const folder = join(dir, 'odd-sections');
    mkdirSync(folder);
    await sharp(Buffer.from(sections[0]!), { raw: { width: W, height: H, channels: 1 } })
      .png()
      .toFile(join(folder, 'a.png'));
    await sharp(Buffer.from(sections[1]!), { raw: { width: W, height: H, channels: 1 } })
      .resize(W, H - 1, { fit: 'fill' })
      .png()
      .toFile(join(folder, 'b.png'));
    const pyramidPath = join(dir, 'project-2', 'slides', 'sl_b', 'pyramid.tif');
    const err = await refusal(ingestSlide(folder, { pyramidPath }));
    expect(err.code).toBe('SLIDE_SECTIONS_MISMATCH');
    expect(err.message).toContain(`${join(folder, 'b.png')} is 300×199 but ${join(folder, 'a.png')} is 300×200`);
    expect(existsSync(dirname(pyramidPath))).toBe(false);
  });
});

describe.each(['0.4', '0.5'] as const)('an NGFF v%s store with a z axis is a volume', (version) => {
  it('reads each section from its own plane, at level 0 and from the stored coarser datasets', async () => {
    const path = join(dir, `volume-${version}.ome.zarr`);
    await writeOmeZarr(path, {
      version,
      width: W,
      height: H,
      sections: 3,
      chunk: 128,
      levels: 2,
      band: (y0, rows, z) => sections[z]!.subarray(y0 * W, (y0 + rows) * W),
    });
    const src = await openOmeZarrSource(path);
    expect(src).toMatchObject({ width: W, height: H, sections: 3 });
    expect(src.zarrLevels).toHaveLength(2);
    for (const z of [2, 0, 1]) {
      const got = await src.readRegion({ level: 0, x: 100, y: 60, width: 150, height: 100, z });
      expect(Buffer.from(got).equals(window(sections[z]!, 100, 60, 150, 100))).toBe(true);
    }
    const mean = (a: Uint8Array) => a.reduce((s, v) => s + v, 0) / a.length;
    const half = await src.readRegion({ level: 1, x: 0, y: 0, width: W / 2, height: H / 2, z: 1 });
    expect(Math.abs(mean(half) - mean(sections[1]!))).toBeLessThan(2);
  });
});
