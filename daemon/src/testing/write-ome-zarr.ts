import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import FileSystemStore from '@zarrita/storage/fs';
import sharp from 'sharp';
import * as zarr from 'zarrita';

export interface ExtraAxis {
  name: string;
  type: 'time' | 'channel' | 'space';
  size: number;
}

export interface WriteOmeZarrOptions {
  /** NGFF version: 0.4 writes Zarr v2 (zlib chunks), 0.5 writes Zarr v3 through zarrita (blosc/zstd chunks). */
  version: '0.4' | '0.5';
  width: number;
  height: number;
  /**
   * Rows [y0, y0 + rows) of level 0 of section `z` (0 without `sections`), grey, row-major. Called band by band, so
   * big stores never sit in memory.
   */
  band: (y0: number, rows: number, z: number) => Uint8Array | Promise<Uint8Array>;
  /** A z axis (`space`, nanometres) of this many sections before y, x, after `leadingAxes`: a volume. */
  sections?: number;
  /** Datasets written, each `factor` times smaller than the last (default 3). */
  levels?: number;
  /** Downsampling between datasets (default 2); NGFF allows any factor. */
  factor?: number;
  chunk?: number;
  /** Axes before y, x (index 0 of them holds the image; other indices are left unwritten). */
  leadingAxes?: ExtraAxis[];
  /** Level-0 pixel size in nanometres (default 10). */
  pixelSizeNm?: number;
}

/**
 * Writes a small OME-Zarr store for tests and measurements. Levels are made by shrinking the previous one with
 * libvips, band by band. Zarr v2 chunks are written as plain files (zarrita writes only v3); v3 through zarrita.
 */
export async function writeOmeZarr(dir: string, options: WriteOmeZarrOptions): Promise<void> {
  const { version, levels = 3, chunk = 512, pixelSizeNm = 10, factor = 2, sections } = options;
  const leadingAxes: ExtraAxis[] = [
    ...(options.leadingAxes ?? []),
    ...(sections === undefined ? [] : [{ name: 'z', type: 'space' as const, size: sections }]),
  ];
  const zAxis = sections === undefined ? -1 : leadingAxes.length - 1;
  const axes = [
    ...leadingAxes.map((a) => ({ name: a.name, type: a.type, ...(a.name === 'z' ? { unit: 'nanometer' } : {}) })),
    { name: 'y', type: 'space', unit: 'nanometer' },
    { name: 'x', type: 'space', unit: 'nanometer' },
  ];
  const datasets = Array.from({ length: levels }, (_, k) => ({
    path: String(k),
    coordinateTransformations: [
      { type: 'scale', scale: [...leadingAxes.map(() => 1), pixelSizeNm * factor ** k, pixelSizeNm * factor ** k] },
    ],
  }));
  const multiscales = [{ version: version === '0.4' ? '0.4' : undefined, name: 'image', axes, datasets }];
  await mkdir(dir, { recursive: true });
  const store = new FileSystemStore(dir);
  if (version === '0.4') {
    await writeFile(join(dir, '.zgroup'), JSON.stringify({ zarr_format: 2 }));
    await writeFile(join(dir, '.zattrs'), JSON.stringify({ multiscales }));
  } else {
    await zarr.create(zarr.root(store), {
      attributes: { ome: { version: '0.5', multiscales: multiscales.map(({ version: _, ...m }) => m) } },
    });
  }
  const lead = leadingAxes.map((a) => a.size);
  for (let z = 0; z < (sections ?? 1); z++) {
    const index = lead.map((_, i) => (i === zAxis ? z : 0));
    await writeSection(dir, store, options, { levels, chunk, factor, lead, index, z, version });
  }
}

interface SectionLayout {
  levels: number;
  chunk: number;
  factor: number;
  lead: number[];
  /** Index along the leading axes of the plane written (z for a volume, 0 elsewhere). */
  index: number[];
  z: number;
  version: '0.4' | '0.5';
}

/** Writes every level of one plane (one section) of the store. */
async function writeSection(
  dir: string,
  store: FileSystemStore,
  options: WriteOmeZarrOptions,
  layout: SectionLayout,
): Promise<void> {
  const { levels, chunk, factor, lead, index, z, version } = layout;
  // Level k is built from level k-1 one band (a chunk row of level k) at a time.
  let read: (y0: number, rows: number) => Promise<Uint8Array> = async (y0, rows) => options.band(y0, rows, z);
  let width = options.width;
  let height = options.height;
  for (let k = 0; k < levels; k++) {
    const shape = [...lead, height, width];
    const chunks = [...lead.map(() => 1), chunk, chunk];
    const path = String(k);
    const v3 =
      version === '0.5' && z > 0
        ? await zarr.open.v3(zarr.root(store).resolve(path), { kind: 'array' })
        : version === '0.5'
          ? await zarr.create(zarr.root(store).resolve(path), {
              shape,
              chunkShape: chunks,
              dtype: 'uint8',
              fillValue: 0,
              codecs: [
                { name: 'bytes', configuration: {} },
                {
                  name: 'blosc',
                  configuration: { cname: 'zstd', clevel: 3, shuffle: 'noshuffle', typesize: 1, blocksize: 0 },
                },
              ],
            })
          : undefined;
    if (!v3 && z === 0) {
      await mkdir(join(dir, path), { recursive: true });
      await writeFile(
        join(dir, path, '.zarray'),
        JSON.stringify({
          zarr_format: 2,
          shape,
          chunks,
          dtype: '|u1',
          compressor: { id: 'zlib', level: 1 },
          fill_value: 0,
          order: 'C',
          filters: null,
          dimension_separator: '/',
        }),
      );
    }
    const levelWidth = width;
    for (let y0 = 0; y0 < height; y0 += chunk) {
      const rows = Math.min(chunk, height - y0);
      const data = await read(y0, rows);
      if (v3) {
        await zarr.set(v3, [...index, zarr.slice(y0, y0 + rows), null], {
          data,
          shape: [rows, levelWidth],
          stride: [levelWidth, 1],
        });
        continue;
      }
      for (let x0 = 0; x0 < levelWidth; x0 += chunk) {
        // v2 chunks are always full-size; the part outside the array is padding.
        const block = new Uint8Array(chunk * chunk);
        for (let r = 0; r < rows; r++) {
          const from = r * levelWidth + x0;
          block.set(data.subarray(from, from + Math.min(chunk, levelWidth - x0)), r * chunk);
        }
        const key = [...index.map(String), String(y0 / chunk), String(x0 / chunk)];
        await mkdir(join(dir, path, ...key.slice(0, -1)), { recursive: true });
        await writeFile(join(dir, path, ...key), deflateSync(block, { level: 1 }));
      }
    }
    const prevRead = read;
    const prevWidth = width;
    const prevHeight = height;
    width = Math.ceil(width / factor);
    height = Math.ceil(height / factor);
    const nextWidth = width;
    read = async (y0, rows) => {
      const top = y0 * factor;
      const srcRows = Math.min(prevHeight - top, rows * factor);
      const src = await prevRead(top, srcRows);
      const out = await sharp(src, { raw: { width: prevWidth, height: srcRows, channels: 1 } })
        .resize(nextWidth, rows, { fit: 'fill', kernel: 'linear' })
        // libvips outputs sRGB after a resize unless told the image stays grey.
        .toColourspace('b-w')
        .raw()
        .toBuffer();
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    };
  }
}

/** A `band` function over an in-memory grey image. */
export function bandsOf(image: { data: Uint8Array; width: number }): WriteOmeZarrOptions['band'] {
  return (y0, rows) => image.data.subarray(y0 * image.width, (y0 + rows) * image.width);
}
