import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from './data-error.js';
import { readImage } from './read-image.js';

const DEMO = fileURLToPath(new URL('../../../demo/axondeepseg-sem/', import.meta.url));
const demoImage = (id: string) => join(DEMO, 'images', `${id}.png`);
const demoMask = (id: string) => join(DEMO, 'masks-myelin', `${id}.png`);

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'activeseg-read-image-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface ItkFixture {
  size: number[];
  data: Uint8Array | Uint16Array | Int16Array | Float32Array;
  componentType: 'uint8' | 'uint16' | 'int16' | 'float32';
  components?: number;
}

async function writeItk(path: string, fixture: ItkFixture): Promise<void> {
  const { writeImageNode } = await import('@itk-wasm/image-io');
  const dimension = fixture.size.length;
  const components = fixture.components ?? 1;
  const image = {
    imageType: {
      dimension,
      componentType: fixture.componentType,
      pixelType: components === 1 ? 'Scalar' : 'RGB',
      components,
    },
    name: 'fixture',
    origin: new Array(dimension).fill(0),
    spacing: new Array(dimension).fill(1),
    direction: Float64Array.from({ length: dimension * dimension }, (_, i) => (i % (dimension + 1) === 0 ? 1 : 0)),
    size: fixture.size,
    metadata: new Map(),
    data: fixture.data,
  };
  await writeImageNode(image as unknown as Parameters<typeof writeImageNode>[0], path);
}

async function expectDataError(promise: Promise<unknown>, code: string, mentions: string): Promise<DataError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataError);
  const dataError = error as DataError;
  expect(dataError.code).toBe(code);
  expect(dataError.message).toContain(mentions);
  return dataError;
}

describe('readImage via sharp', () => {
  it('reads an 8-bit gray PNG as one Uint8 channel with the real size', async () => {
    const img = await readImage(demoImage('sub-rat8_sample-V915'));
    expect(img).toMatchObject({ width: 1541, height: 1096, channels: 1, bitDepth: 8, decoder: 'sharp' });
    expect(img.data).toBeInstanceOf(Uint8Array);
    expect(img.data.length).toBe(1541 * 1096);
  });

  it('keeps mask values exactly, including the 9 stray pixels of sub-rat2 (no 3-band expansion)', async () => {
    const mask = await readImage(demoMask('sub-rat2_sample-data5'));
    const counts = new Map<number, number>();
    for (const v of mask.data) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([0, 130, 233, 255]);
    expect(counts.get(130)).toBe(5);
    expect(counts.get(233)).toBe(4);
    expect(mask.data.length).toBe(1280 * 954);
  });

  it('takes RGB with equal channels as gray unchanged', async () => {
    const gray = Uint8Array.from({ length: 12 }, (_, i) => i * 20 + 1);
    const rgb = Buffer.alloc(36);
    gray.forEach((v, i) => {
      rgb.fill(v, i * 3, i * 3 + 3);
    });
    const path = join(dir, 'equal-rgb.png');
    await sharp(rgb, { raw: { width: 4, height: 3, channels: 3 } })
      .png()
      .toFile(path);
    const img = await readImage(path);
    expect(Array.from(img.data)).toEqual(Array.from(gray));
  });

  it('converts coloured RGB to BT.601 luminance', async () => {
    const rgb = Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 200, 40]);
    const path = join(dir, 'colour.png');
    await sharp(rgb, { raw: { width: 4, height: 1, channels: 3 } })
      .png()
      .toFile(path);
    const img = await readImage(path);
    expect(Array.from(img.data)).toEqual([76, 150, 29, Math.round(0.299 * 10 + 0.587 * 200 + 0.114 * 40)]);
  });

  it('drops the alpha channel of a gray+alpha PNG', async () => {
    const la = Buffer.from([10, 255, 20, 128, 30, 0, 40, 255]);
    const path = join(dir, 'gray-alpha.png');
    await sharp(la, { raw: { width: 2, height: 2, channels: 2 } })
      .toColourspace('b-w')
      .png()
      .toFile(path);
    expect((await sharp(path).metadata()).channels).toBe(2);
    const img = await readImage(path);
    expect(Array.from(img.data)).toEqual([10, 20, 30, 40]);
  });

  it('keeps 16-bit PNG samples as Uint16 without rescaling', async () => {
    const values = Uint16Array.from({ length: 15 }, (_, i) => i * 4000 + 7);
    const path = join(dir, 'sixteen.png');
    await sharp(values, { raw: { width: 5, height: 3, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toFile(path);
    const img = await readImage(path);
    expect(img.bitDepth).toBe(16);
    expect(img.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(img.data)).toEqual(Array.from(values));
  });

  it('keeps 16-bit TIFF samples as Uint16', async () => {
    const values = Uint16Array.from({ length: 12 }, (_, i) => 65535 - i * 5000);
    const path = join(dir, 'sixteen.tif');
    await writeItk(path, { size: [4, 3], data: values, componentType: 'uint16' });
    const img = await readImage(path);
    expect(img).toMatchObject({ width: 4, height: 3, bitDepth: 16, decoder: 'sharp' });
    expect(Array.from(img.data)).toEqual(Array.from(values));
  });

  it('hands float TIFFs to itk-wasm so values are not quantised to 8 bits', async () => {
    const values = Float32Array.from({ length: 6 }, (_, i) => i * 0.25 - 1);
    const path = join(dir, 'float.tif');
    await writeItk(path, { size: [3, 2], data: values, componentType: 'float32' });
    const img = await readImage(path);
    expect(img).toMatchObject({ bitDepth: 32, decoder: 'itk-wasm' });
    expect(Array.from(img.data)).toEqual(Array.from(values));
  });
});

describe('readImage via itk-wasm', () => {
  it('reads an NRRD file written by itk-wasm', async () => {
    const values = Uint16Array.from({ length: 24 }, (_, i) => i * 1000);
    const path = join(dir, 'plane.nrrd');
    await writeItk(path, { size: [6, 4], data: values, componentType: 'uint16' });
    const img = await readImage(path);
    expect(img).toMatchObject({ width: 6, height: 4, channels: 1, bitDepth: 16, decoder: 'itk-wasm' });
    expect(Array.from(img.data)).toEqual(Array.from(values));
  });

  it('reads a MetaImage with signed pixels as Float32 values', async () => {
    const values = Int16Array.from([-1000, -1, 0, 1, 300, 2000]);
    const path = join(dir, 'signed.mha');
    await writeItk(path, { size: [3, 2], data: values, componentType: 'int16' });
    const img = await readImage(path);
    expect(img.data).toBeInstanceOf(Float32Array);
    expect(Array.from(img.data)).toEqual(Array.from(values));
  });

  it('converts an RGB NRRD to luminance', async () => {
    const path = join(dir, 'rgb.nrrd');
    await writeItk(path, {
      size: [2, 1],
      data: Uint8Array.from([255, 0, 0, 7, 7, 7]),
      componentType: 'uint8',
      components: 3,
    });
    const img = await readImage(path);
    expect(Array.from(img.data)).toEqual([76, 7]);
  });

  it('rejects a 3-D volume as UNSUPPORTED_FORMAT', async () => {
    const path = join(dir, 'volume.nrrd');
    await writeItk(path, { size: [2, 2, 3], data: new Uint8Array(12), componentType: 'uint8' });
    await expectDataError(readImage(path), 'UNSUPPORTED_FORMAT', path);
  });
});

describe('readImage errors', () => {
  it('reports a missing file as FILE_NOT_FOUND naming it', async () => {
    const path = join(dir, 'nope.png');
    await expectDataError(readImage(path), 'FILE_NOT_FOUND', path);
  });

  it('reports a truncated PNG as UNREADABLE_IMAGE naming it', async () => {
    const bytes = await readFile(demoImage('sub-rat3_sample-data9'));
    const path = join(dir, 'truncated.png');
    await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectDataError(readImage(path), 'UNREADABLE_IMAGE', path);
  });

  it('reports a PNG cut inside its header as UNREADABLE_IMAGE', async () => {
    const bytes = await readFile(demoImage('sub-rat3_sample-data9'));
    const path = join(dir, 'header-only.png');
    await writeFile(path, bytes.subarray(0, 20));
    await expectDataError(readImage(path), 'UNREADABLE_IMAGE', path);
  });

  it('reports a zero-byte file as UNREADABLE_IMAGE naming it', async () => {
    const path = join(dir, 'empty.png');
    await writeFile(path, '');
    await expectDataError(readImage(path), 'UNREADABLE_IMAGE', path);
  });

  it('reports a text file with a .png extension as UNREADABLE_IMAGE naming it', async () => {
    const path = join(dir, 'notes.png');
    await writeFile(path, 'these are not pixels\n');
    await expectDataError(readImage(path), 'UNREADABLE_IMAGE', path);
  });

  it('reports a corrupt NRRD as UNREADABLE_IMAGE naming it', async () => {
    const source = join(dir, 'whole.nrrd');
    await writeItk(source, { size: [8, 8], data: new Uint8Array(64).fill(9), componentType: 'uint8' });
    const path = join(dir, 'cut.nrrd');
    await writeFile(path, (await readFile(source)).subarray(0, 40));
    await expectDataError(readImage(path), 'UNREADABLE_IMAGE', path);
  });

  it('reports an extension no decoder knows as UNSUPPORTED_FORMAT naming it', async () => {
    const path = join(dir, 'slide.xyz');
    await writeFile(path, 'hello');
    await expectDataError(readImage(path), 'UNSUPPORTED_FORMAT', path);
  });
});
