import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import FileSystemStore from '@zarrita/storage/fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as zarr from 'zarrita';
import { ApiError } from '../errors/api-error.js';
import { DEMO_IMAGE } from '../testing/temp-project.js';
import { bandsOf, writeOmeZarr } from '../testing/write-ome-zarr.js';
import { ingestOmeZarr } from './ingest-ome-zarr.js';
import { openOmeZarrSource } from './ome-zarr-source.js';

let dir: string;
let image: { data: Uint8Array; width: number; height: number };
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-omezarr-'));
  // Real SEM texture (demo/axondeepseg-sem, MIT) so reads are checked against varied pixels, not a constant.
  const { data, info } = await sharp(DEMO_IMAGE).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  image = { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, version: '0.4' | '0.5', extra: Partial<Parameters<typeof writeOmeZarr>[1]> = {}) =>
  writeOmeZarr(join(dir, name), {
    version,
    width: image.width,
    height: image.height,
    band: bandsOf(image),
    chunk: 256,
    ...extra,
  }).then(() => join(dir, name));

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return { code: err.code, message: err.message };
}

describe.each(['0.4', '0.5'] as const)('an NGFF v%s store', (version) => {
  it('reads level-0 windows exactly as written, and the pixel size from axes units and scale', async () => {
    const path = await write(`img-${version}.ome.zarr`, version, { pixelSizeNm: 25 });
    const src = await openOmeZarrSource(path);
    expect(src).toMatchObject({ width: image.width, height: image.height, format: 'ome-zarr' });
    expect(src.pixelSize).toEqual({ x: 0.025, y: 0.025, unit: 'µm' });
    expect(src.zarrLevels.map((l) => l.factor)).toEqual([1, 2, 4]);
    // A window across chunk borders and the ragged last column.
    const w = { x: image.width - 300, y: 200, width: 300, height: 100 };
    const got = await src.readRegion({ level: 0, ...w });
    const want = new Uint8Array(w.width * w.height);
    for (let r = 0; r < w.height; r++) {
      const from = (w.y + r) * image.width + w.x;
      want.set(image.data.subarray(from, from + w.width), r * w.width);
    }
    expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
  });

  it('serves a power-of-two level from the stored dataset, without resampling', async () => {
    const path = join(dir, `img-${version}.ome.zarr`);
    const src = await openOmeZarrSource(path);
    const lvl = src.zarrLevels[1]!;
    const direct = await src.readRegion({ level: 1, x: 0, y: 0, width: 200, height: 150 });
    // Read the same pixels from the dataset with zarrita's own API.
    const raw = await zarr.get(lvl.array, [zarr.slice(0, 150), zarr.slice(0, 200)]);
    expect(Buffer.from(direct).equals(Buffer.from(raw.data as Uint8Array))).toBe(true);
    // Levels past the stored pyramid are downsampled from the coarsest dataset.
    const deep = await src.readRegion({ level: 4, x: 0, y: 0, width: 10, height: 10 });
    expect(deep.length).toBe(100);
    expect(src.zarrLevels[2]!.width).toBe(Math.ceil(image.width / 4));
  });
});

describe('an OME-Zarr pyramid with scale factor 3', () => {
  it('reads each power-of-two level from the nearest finer dataset and resamples it', async () => {
    const path = await write('factor3.ome.zarr', '0.4', { factor: 3 });
    const src = await openOmeZarrSource(path);
    expect(src.zarrLevels.map((l) => l.factor)).toEqual([1, 3, 9]);
    const w = Math.ceil(image.width / 4);
    const h = Math.ceil(image.height / 4);
    // Level 2 (÷4) comes from dataset 1 (÷3), not from full resolution: compare with both.
    const got = await src.readRegion({ level: 2, x: 0, y: 0, width: w, height: h });
    const d1 = src.zarrLevels[1]!;
    const stored = await zarr.get(d1.array, [null, null]);
    const fromD1 = await sharp(stored.data as Uint8Array, { raw: { width: d1.width, height: d1.height, channels: 1 } })
      .resize(w, h, { fit: 'fill' })
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    expect(Buffer.from(got).equals(fromD1)).toBe(true);
    const fromD0 = await sharp(Buffer.from(image.data), {
      raw: { width: image.width, height: image.height, channels: 1 },
    })
      .resize(w, h, { fit: 'fill' })
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    expect(Buffer.from(got).equals(fromD0)).toBe(false);
  });
});

describe('16-bit OME-Zarr', () => {
  const write16 = async (name: string, omero: unknown) => {
    const path = join(dir, name);
    const store = new FileSystemStore(path);
    const multiscales = [
      {
        axes: [
          { name: 'y', type: 'space' },
          { name: 'x', type: 'space' },
        ],
        datasets: [{ path: '0', coordinateTransformations: [{ type: 'scale', scale: [1, 1] }] }],
      },
    ];
    await zarr.create(zarr.root(store), {
      attributes: { ome: { version: '0.5', multiscales, ...(omero ? { omero } : {}) } },
    });
    const arr = await zarr.create(zarr.root(store).resolve('0'), {
      shape: [1, 4],
      chunkShape: [1, 4],
      dtype: 'uint16',
      fillValue: 0,
    });
    await zarr.set(arr, null, { data: new Uint16Array([1000, 1500, 2000, 60000]), shape: [1, 4], stride: [4, 1] });
    return openOmeZarrSource(path);
  };

  it('maps the OMERO display window to 0–255, clamping outside it', async () => {
    const src = await write16('u16-window.ome.zarr', {
      channels: [{ window: { start: 1000, end: 2000, min: 0, max: 65535 } }],
    });
    expect([...(await src.readRegion({ level: 0, x: 0, y: 0, width: 4, height: 1 }))]).toEqual([0, 128, 255, 255]);
  });

  it('shows the high byte without a window', async () => {
    const src = await write16('u16-plain.ome.zarr', undefined);
    expect([...(await src.readRegion({ level: 0, x: 0, y: 0, width: 4, height: 1 }))]).toEqual([3, 5, 7, 234]);
  });
});

describe('bad OME-Zarr input: a clear code naming the path', () => {
  it('missing chunks read as the fill value and are reported at ingest', async () => {
    const path = await write('holes.ome.zarr', '0.4');
    unlinkSync(join(path, '0', '1', '1'));
    unlinkSync(join(path, '0', '0', '2'));
    const ing = await ingestOmeZarr(path);
    expect(ing.warnings).toEqual([
      expect.stringMatching(/^0: 2 of \d+ chunks are missing and read as the fill value \(0\)/),
    ]);
    const hole = await ing.source.readRegion({ level: 0, x: 256, y: 256, width: 256, height: 256 });
    expect(hole.every((v) => v === 0)).toBe(true);
  });

  it('counts missing shards, not inner chunks, in a sharded v3 array (and reads through the shards)', async () => {
    // zarrita cannot write shards, so the shard files are laid out here: raw inner chunks, then the index.
    const path = await write('sharded.ome.zarr', '0.5', { levels: 1 });
    const meta = join(path, '0', 'zarr.json');
    const json = JSON.parse(readFileSync(meta, 'utf8'));
    const [H, W] = json.shape as [number, number];
    const shard = 512;
    const inner = 256;
    json.chunk_grid.configuration.chunk_shape = [shard, shard];
    json.codecs = [
      {
        name: 'sharding_indexed',
        configuration: {
          chunk_shape: [inner, inner],
          codecs: [{ name: 'bytes', configuration: {} }],
          index_codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
          index_location: 'end',
        },
      },
    ];
    writeFileSync(meta, JSON.stringify(json));
    rmSync(join(path, '0', 'c'), { recursive: true });
    const n = shard / inner;
    for (let sy = 0; sy * shard < H; sy++) {
      for (let sx = 0; sx * shard < W; sx++) {
        const body = Buffer.alloc(n * n * inner * inner);
        const index = Buffer.alloc(n * n * 16);
        for (let iy = 0; iy < n; iy++) {
          for (let ix = 0; ix < n; ix++) {
            const k = iy * n + ix;
            for (let r = 0; r < inner; r++) {
              const y = sy * shard + iy * inner + r;
              const x = sx * shard + ix * inner;
              if (y >= H || x >= W) continue;
              const row = image.data.subarray(y * W + x, y * W + Math.min(W, x + inner));
              body.set(row, k * inner * inner + r * inner);
            }
            index.writeBigUInt64LE(BigInt(k * inner * inner), k * 16);
            index.writeBigUInt64LE(BigInt(inner * inner), k * 16 + 8);
          }
        }
        mkdirSync(join(path, '0', 'c', String(sy)), { recursive: true });
        writeFileSync(join(path, '0', 'c', String(sy), String(sx)), Buffer.concat([body, index]));
      }
    }
    unlinkSync(join(path, '0', 'c', '0', '1'));
    const shards = Math.ceil(H / shard) * Math.ceil(W / shard);
    const ing = await ingestOmeZarr(path);
    expect(ing.warnings).toEqual([`0: 1 of ${shards} chunks are missing and read as the fill value (0)`]);
    const px = await ing.source.readRegion({ level: 0, x: 700, y: 600, width: 1, height: 1 });
    expect(px[0]).toBe(image.data[600 * W + 700]);
  });

  it('refuses inconsistent multiscale shapes', async () => {
    const path = await write('shapes.ome.zarr', '0.4');
    const zarray = join(path, '1', '.zarray');
    const meta = JSON.parse(readFileSync(zarray, 'utf8'));
    meta.shape = [meta.shape[0], meta.shape[1] + 40];
    writeFileSync(zarray, JSON.stringify(meta));
    const e = await codeOf(ingestOmeZarr(path));
    expect(e.code).toBe('SLIDE_METADATA_INVALID');
    expect(e.message).toContain(`${path}/1`);
  });

  it('refuses an unknown codec', async () => {
    const path = await write('codec.ome.zarr', '0.5');
    const meta = join(path, '0', 'zarr.json');
    const json = JSON.parse(readFileSync(meta, 'utf8'));
    json.codecs[1] = { name: 'made_up_codec', configuration: {} };
    writeFileSync(meta, JSON.stringify(json));
    const e = await codeOf(ingestOmeZarr(path));
    expect(e.code).toBe('SLIDE_CODEC_UNSUPPORTED');
    expect(e.message).toContain(`${path}/0`);
    expect(e.message).toContain('made_up_codec');
  });

  it('refuses more than one channel, and takes a single channel', async () => {
    const three = await write('rgb.ome.zarr', '0.5', {
      leadingAxes: [{ name: 'c', type: 'channel', size: 3 }],
      levels: 1,
    });
    const e = await codeOf(ingestOmeZarr(three));
    expect(e).toMatchObject({ code: 'SLIDE_AXES_UNSUPPORTED' });
    expect(e.message).toContain(`${three}/0: axis c has 3 steps`);
    const one = await write('grey.ome.zarr', '0.4', {
      leadingAxes: [{ name: 'c', type: 'channel', size: 1 }],
      levels: 1,
    });
    const src = (await ingestOmeZarr(one)).source;
    const px = await src.readRegion({ level: 0, x: 5, y: 7, width: 1, height: 1 });
    expect(px[0]).toBe(image.data[7 * image.width + 5]);
  });

  it('refuses a time axis, and a 10⁶-section z claim before reading any chunk', async () => {
    const t = await write('time.ome.zarr', '0.4', { leadingAxes: [{ name: 't', type: 'time', size: 5 }], levels: 1 });
    expect(await codeOf(ingestOmeZarr(t))).toMatchObject({ code: 'SLIDE_AXES_UNSUPPORTED' });
    const z = join(dir, 'z.ome.zarr');
    // Metadata only: a store claiming a million sections is refused from its metadata alone.
    await write('z.ome.zarr', '0.4', { leadingAxes: [{ name: 'z', type: 'space', size: 1 }], levels: 1 });
    const zarray = join(z, '0', '.zarray');
    const meta = JSON.parse(readFileSync(zarray, 'utf8'));
    meta.shape[0] = 1_000_000;
    writeFileSync(zarray, JSON.stringify(meta));
    const e = await codeOf(ingestOmeZarr(z));
    expect(e.code).toBe('SLIDE_TOO_MANY_SECTIONS');
    expect(e.message).toContain(`${z}/0: axis z claims 1000000 sections`);
  });

  it('refuses a directory without NGFF metadata, and axes not ending in y, x', async () => {
    const plain = join(dir, 'plain');
    await write('plain', '0.4', { levels: 1 });
    writeFileSync(join(plain, '.zattrs'), JSON.stringify({ something: 'else' }));
    const e = await codeOf(ingestOmeZarr(plain));
    expect(e.code).toBe('SLIDE_METADATA_INVALID');
    expect(e.message).toContain(plain);
    const swapped = await write('swapped.ome.zarr', '0.4', { levels: 1 });
    const attrs = JSON.parse(readFileSync(join(swapped, '.zattrs'), 'utf8'));
    attrs.multiscales[0].axes.reverse();
    writeFileSync(join(swapped, '.zattrs'), JSON.stringify(attrs));
    expect(await codeOf(ingestOmeZarr(swapped))).toMatchObject({ code: 'SLIDE_AXES_UNSUPPORTED' });
    expect(await codeOf(ingestOmeZarr(join(dir, 'nothing-here')))).toMatchObject({ code: 'SLIDE_METADATA_INVALID' });
  });

  it('refuses a store over the pixel limit', async () => {
    const path = join(dir, `img-0.5.ome.zarr`);
    expect(await codeOf(ingestOmeZarr(path, { maxSlidePixels: 1000 }))).toMatchObject({ code: 'SLIDE_TOO_LARGE' });
  });
});
