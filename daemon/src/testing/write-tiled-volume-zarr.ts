import { link, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

export interface WriteTiledVolumeZarrOptions {
  /** Level-0 width and height of every section. */
  size: number;
  sections: number;
  /** Grey texture the sections are tiled with (real EM pixels), at least `period + sections` pixels on each side. */
  texture: { data: Uint8Array; width: number; height: number };
  /** Edge of the repeating tile at level 0; a multiple of `chunk` (default 1024). */
  period?: number;
  chunk?: number;
  /** Level-0 pixel size in nanometres (default 10; z is 5 × that, as in serial block-face stacks). */
  pixelSizeNm?: number;
}

export interface WriteTiledVolumeZarrResult {
  levels: number;
  /** Chunk files in the store (hard links included). */
  chunkFiles: number;
  /** Distinct chunks compressed and written; every other chunk file is a hard link to one of them. */
  distinctChunks: number;
}

/**
 * Writes a big NGFF 0.4 (Zarr v2, zlib) volume quickly for measurements: section z is real texture tiled with
 * period `period` (a crop of `texture` starting z pixels further in, so sections differ), so each level of a section
 * has at most (period / 2^level / chunk)² distinct chunks. Those are compressed once and every other chunk file is a
 * hard link to its twin: a 20 000² × 8 store (3.2 GB of pixels) takes seconds and a few MB of disk, yet it is read
 * chunk by chunk exactly like any store. Levels halve down to one chunk.
 */
export async function writeTiledVolumeZarr(
  dir: string,
  options: WriteTiledVolumeZarrOptions,
): Promise<WriteTiledVolumeZarrResult> {
  const { size, sections, texture, period = 1024, chunk = 512, pixelSizeNm = 10 } = options;
  if (period % chunk !== 0) throw new Error(`period ${period} must be a multiple of the chunk ${chunk}`);
  let levels = 1;
  while (Math.ceil(size / 2 ** (levels - 1)) > chunk) levels++;
  const axes = [
    { name: 'z', type: 'space', unit: 'nanometer' },
    { name: 'y', type: 'space', unit: 'nanometer' },
    { name: 'x', type: 'space', unit: 'nanometer' },
  ];
  const datasets = Array.from({ length: levels }, (_, k) => ({
    path: String(k),
    coordinateTransformations: [
      { type: 'scale', scale: [pixelSizeNm * 5, pixelSizeNm * 2 ** k, pixelSizeNm * 2 ** k] },
    ],
  }));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, '.zgroup'), JSON.stringify({ zarr_format: 2 }));
  await writeFile(
    join(dir, '.zattrs'),
    JSON.stringify({ multiscales: [{ version: '0.4', name: 'synthetic volume', axes, datasets }] }),
  );
  let chunkFiles = 0;
  let distinctChunks = 0;
  for (let k = 0; k < levels; k++) {
    const side = Math.ceil(size / 2 ** k);
    const grid = Math.ceil(side / chunk);
    await mkdir(join(dir, String(k)), { recursive: true });
    await writeFile(
      join(dir, String(k), '.zarray'),
      JSON.stringify({
        zarr_format: 2,
        shape: [sections, side, side],
        chunks: [1, chunk, chunk],
        dtype: '|u1',
        compressor: { id: 'zlib', level: 1 },
        fill_value: 0,
        order: 'C',
        filters: null,
        dimension_separator: '/',
      }),
    );
    // The level's repeating tile: the level-0 tile shrunk 2^k times; below one chunk it repeats inside a chunk.
    const tilePeriod = Math.max(1, period / 2 ** k);
    const distinct = Math.max(1, tilePeriod / chunk);
    for (let z = 0; z < sections; z++) {
      const tile = await sectionTile(texture, z, period, tilePeriod);
      const written = new Map<string, string>();
      for (let cy = 0; cy < grid; cy++) {
        await mkdir(join(dir, String(k), String(z), String(cy)), { recursive: true });
        for (let cx = 0; cx < grid; cx++) {
          const key = `${cy % distinct}_${cx % distinct}`;
          const file = join(dir, String(k), String(z), String(cy), String(cx));
          const twin = written.get(key);
          if (twin) await link(twin, file);
          else {
            await writeFile(
              file,
              deflateSync(chunkOf(tile, tilePeriod, chunk, cy % distinct, cx % distinct), { level: 1 }),
            );
            written.set(key, file);
            distinctChunks++;
          }
          chunkFiles++;
        }
      }
    }
  }
  return { levels, chunkFiles, distinctChunks };
}

/** Section z's level-0 tile (a crop of the texture shifted by z), shrunk to `tilePeriod`. */
async function sectionTile(
  texture: WriteTiledVolumeZarrOptions['texture'],
  z: number,
  period: number,
  tilePeriod: number,
): Promise<Uint8Array> {
  const crop = await sharp(Buffer.from(texture.data.buffer, texture.data.byteOffset, texture.data.length), {
    raw: { width: texture.width, height: texture.height, channels: 1 },
  })
    .extract({ left: z, top: z, width: period, height: period })
    .resize(tilePeriod, tilePeriod, { fit: 'fill' })
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  return new Uint8Array(crop.buffer, crop.byteOffset, crop.length);
}

/** One chunk of the tiled plane: chunk (cy, cx) of a plane that repeats `tile` (tilePeriod²) in both directions. */
function chunkOf(tile: Uint8Array, tilePeriod: number, chunk: number, cy: number, cx: number): Uint8Array {
  const out = new Uint8Array(chunk * chunk);
  for (let y = 0; y < chunk; y++) {
    const ty = (cy * chunk + y) % tilePeriod;
    for (let x = 0; x < chunk; x++) out[y * chunk + x] = tile[ty * tilePeriod + ((cx * chunk + x) % tilePeriod)]!;
  }
  return out;
}
