import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from './data-error.js';
import { loadDataset } from './load-dataset.js';
import { maskMappingPresets } from './mask-mapping.js';

const DEMO = fileURLToPath(new URL('../../../demo/axondeepseg-sem/', import.meta.url));
// The development data set beside the repo (`../shared/data`, not shipped: the ISBI set is research-use only).
const SHARED_DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const SHARED_SEM = join(SHARED_DATA, 'axondeepseg-sem');
const SHARED_ISBI = join(SHARED_DATA, 'isbi2012-em-membrane');
/** These tests need the development data beside the repo: without it they fail saying so, they never skip. */
function requireSharedData(dir: string): void {
  if (!existsSync(dir)) {
    throw new Error(`${dir} is missing: these tests need the development data set in ../shared/data beside the repo`);
  }
}

let root = '';
let counter = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'activeseg-load-dataset-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function png(path: string, width: number, height: number, fill: (i: number) => number): Promise<void> {
  const data = Buffer.from(Array.from({ length: width * height }, (_, i) => fill(i)));
  await sharp(data, { raw: { width, height, channels: 1 } })
    .png()
    .toFile(path);
}

/** A fresh data set folder with images/ and masks-myelin/. */
async function fixture(): Promise<{ dir: string; images: string; masks: string }> {
  const dir = join(root, `set-${counter++}`);
  const images = join(dir, 'images');
  const masks = join(dir, 'masks-myelin');
  await mkdir(images, { recursive: true });
  await mkdir(masks, { recursive: true });
  return { dir, images, masks };
}

async function loadError(promise: Promise<unknown>): Promise<DataError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataError);
  return error as DataError;
}

describe('loadDataset on the demo data', () => {
  it('loads all 7 pairs sorted by id with raw float intensities and 0/1 masks', async () => {
    const { items } = await loadDataset({ dir: DEMO });
    expect(items.map((i) => i.id)).toEqual([
      'sub-rat1_sample-data1',
      'sub-rat2_sample-data5',
      'sub-rat3_sample-data10',
      'sub-rat3_sample-data11',
      'sub-rat3_sample-data9',
      'sub-rat7_sample-Maxo03img60',
      'sub-rat8_sample-V915',
    ]);
    for (const item of items) {
      expect(item.image.data.length).toBe(item.image.width * item.image.height);
      expect(item.mask.width).toBe(item.image.width);
      expect(item.mask.data.every((v) => v === 0 || v === 1)).toBe(true);
      expect(item.weight).toBeUndefined();
    }
    const v915 = items[6];
    expect(v915?.image).toMatchObject({ width: 1541, height: 1096 });
    expect(Math.max(...(v915?.image.data.subarray(0, 10_000) ?? []))).toBeGreaterThan(1);
    const rat2 = items[1];
    const fg = rat2?.mask.data.reduce((s, v) => s + v, 0);
    // 488 611 pixels of 255 (the composite mask's myelin count) plus the 9 strays (threshold 127).
    expect(fg).toBe(488_611 + 9);
  });
});

describe('loadDataset on the composite AxonDeepSeg masks', () => {
  beforeAll(() => requireSharedData(SHARED_SEM));
  it('maps 127/128 to myelin and ignores exactly the 9 rat2 strays', async () => {
    const { items } = await loadDataset({
      dir: SHARED_SEM,
      masks: 'masks',
      mapping: maskMappingPresets.axondeepsegCompositeMyelin,
    });
    const rat2 = items.find((i) => i.id === 'sub-rat2_sample-data5');
    expect(rat2?.weight?.data.reduce((s, w) => s + (w === 0 ? 1 : 0), 0)).toBe(9);
    expect(rat2?.mask.data.reduce((s, v) => s + v, 0)).toBe(488_611);
    expect(items.filter((i) => i.weight !== undefined).map((i) => i.id)).toEqual(['sub-rat2_sample-data5']);
  });

  it('refuses the composite masks under the default binary mapping instead of training 127 as background', async () => {
    const error = await loadError(loadDataset({ dir: SHARED_SEM, masks: 'masks' }));
    expect(error.code).toBe('MASK_VALUES');
    expect(error.message).toContain(join(SHARED_SEM, 'masks', 'sub-rat1_sample-data1.png'));
    expect(error.message).toContain('127 (402348 px)');
  });
});

describe('loadDataset on ISBI 2012', () => {
  beforeAll(() => requireSharedData(SHARED_ISBI));
  it('loads 22 slices with the membrane as foreground', async () => {
    const { items } = await loadDataset({ dir: SHARED_ISBI, masks: 'masks', mapping: maskMappingPresets.isbiMembrane });
    expect(items).toHaveLength(22);
    const fg = items[0]?.mask.data.reduce((s, v) => s + v, 0) ?? 0;
    // Membranes are the minority class (about 22 % of train-00).
    expect(fg / (512 * 512)).toBeGreaterThan(0.1);
    expect(fg / (512 * 512)).toBeLessThan(0.4);
  });
});

describe('loadDataset pairing and errors', () => {
  it('pairs files by id even when their extensions differ, and skips sidecars and hidden files', async () => {
    const f = await fixture();
    await png(join(f.images, 'a.png'), 3, 2, (i) => i * 10);
    await writeFile(join(f.images, 'a.json'), '{"PixelSize": [0.1, 0.1]}');
    await writeFile(join(f.images, '.DS_Store'), 'x');
    await sharp(Buffer.from([0, 255, 0, 255, 0, 255]), { raw: { width: 3, height: 2, channels: 1 } })
      .tiff()
      .toFile(join(f.masks, 'a.tif'));
    const { items } = await loadDataset({ dir: f.dir });
    expect(items).toHaveLength(1);
    expect(Array.from(items[0]?.image.data ?? [])).toEqual([0, 10, 20, 30, 40, 50]);
    expect(items[0]?.image.data).toBeInstanceOf(Float32Array);
    expect(Array.from(items[0]?.mask.data ?? [])).toEqual([0, 1, 0, 1, 0, 1]);
    expect(items[0]?.sourcePath).toBe(join(f.images, 'a.png'));
  });

  it('names an image that has no mask', async () => {
    const f = await fixture();
    await png(join(f.images, 'a.png'), 2, 2, () => 1);
    await png(join(f.masks, 'a.png'), 2, 2, () => 0);
    await png(join(f.images, 'lonely.png'), 2, 2, () => 1);
    const error = await loadError(loadDataset({ dir: f.dir }));
    expect(error.code).toBe('FILE_NOT_FOUND');
    expect(error.message).toContain(join(f.images, 'lonely.png'));
  });

  it('names a mask that has no image', async () => {
    const f = await fixture();
    await png(join(f.masks, 'orphan.png'), 2, 2, () => 0);
    const error = await loadError(loadDataset({ dir: f.dir }));
    expect(error.code).toBe('FILE_NOT_FOUND');
    expect(error.message).toContain(join(f.masks, 'orphan.png'));
  });

  it('raises SIZE_MISMATCH naming both files and sizes instead of cropping', async () => {
    const f = await fixture();
    await png(join(f.images, 'a.png'), 4, 3, () => 1);
    await png(join(f.masks, 'a.png'), 4, 2, () => 0);
    const error = await loadError(loadDataset({ dir: f.dir }));
    expect(error.code).toBe('SIZE_MISMATCH');
    expect(error.message).toContain(join(f.images, 'a.png'));
    expect(error.message).toContain(join(f.masks, 'a.png'));
    expect(error.message).toContain('4×3');
    expect(error.message).toContain('4×2');
  });

  it('raises EMPTY_DATASET for empty folders', async () => {
    const f = await fixture();
    const error = await loadError(loadDataset({ dir: f.dir }));
    expect(error.code).toBe('EMPTY_DATASET');
  });

  it('raises FILE_NOT_FOUND naming a missing folder', async () => {
    const error = await loadError(loadDataset({ dir: join(root, 'does-not-exist') }));
    expect(error.code).toBe('FILE_NOT_FOUND');
    expect(error.message).toContain('does-not-exist');
  });

  it('raises DUPLICATE_ID when two files in one folder share an id', async () => {
    const f = await fixture();
    await png(join(f.images, 'a.png'), 2, 2, () => 1);
    await png(join(f.images, 'a.webp'), 2, 2, () => 1);
    await png(join(f.masks, 'a.png'), 2, 2, () => 0);
    const error = await loadError(loadDataset({ dir: f.dir }));
    expect(error.code).toBe('DUPLICATE_ID');
    expect(error.message).toContain('a.webp');
  });

  it('raises MASK_VALUES naming the mask when the mapping does not fit the data', async () => {
    const f = await fixture();
    await png(join(f.images, 'a.png'), 10, 10, () => 1);
    await png(join(f.masks, 'a.png'), 10, 10, (i) => (i < 50 ? 0 : 255));
    const error = await loadError(
      loadDataset({ dir: f.dir, mapping: { kind: 'values', foreground: [127, 128], background: [0] } }),
    );
    expect(error.code).toBe('MASK_VALUES');
    expect(error.message).toContain(join(f.masks, 'a.png'));
    expect(error.message).toContain('255 (50 px)');
  });

  it('propagates UNREADABLE_IMAGE for a corrupt image in the set', async () => {
    const f = await fixture();
    await writeFile(join(f.images, 'a.png'), 'not a png');
    await png(join(f.masks, 'a.png'), 2, 2, () => 0);
    const error = await loadError(loadDataset({ dir: f.dir }));
    expect(error.code).toBe('UNREADABLE_IMAGE');
    expect(error.message).toContain(join(f.images, 'a.png'));
  });
});
