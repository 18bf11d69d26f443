import { MAX_SLIDE_SECTIONS, type PixelSize } from '@activeseg/protocol';
import FileSystemStore from '@zarrita/storage/fs';
import sharp from 'sharp';
import * as zarr from 'zarrita';
import { ApiError } from '../errors/api-error.js';
import { type OmeMultiscales, parseOmeMultiscales, pixelSizeOf } from './ome-metadata.js';
import { assertWindowInside, levelCount, type ReadRegionRequest, type SlideSource } from './slide-source.js';

/** Grey data types read as a slide; 16-bit is mapped through the OMERO display window, else shown by its high byte. */
const DTYPES = ['uint8', 'uint16'] as const;
type GreyDtype = (typeof DTYPES)[number];

export interface OmeZarrLevel {
  /** Dataset path inside the store (`0`, `1`, …). */
  path: string;
  /** Downsampling of this dataset relative to the finest one (1 for the finest). */
  factor: number;
  width: number;
  height: number;
  /** Chunk edge along y and x. */
  chunkHeight: number;
  chunkWidth: number;
  array: zarr.Array<GreyDtype, FileSystemStore>;
}

export interface OmeZarrSource extends SlideSource {
  readonly multiscales: OmeMultiscales;
  readonly zarrLevels: readonly OmeZarrLevel[];
  readonly pixelSize: PixelSize | undefined;
}

/**
 * A SlideSource over a local OME-Zarr directory (NGFF v0.4 / Zarr v2 or v0.5 / Zarr v3), read through zarrita.
 * The store's own pyramid serves every level: a window at SlideSource level L (downsampled 2^L) is read from the
 * coarsest dataset that is still at least as fine, touching only the chunks under the window, and resized only
 * when that dataset's factor is not exactly 2^L. A z axis gives the slide's sections (a volume; `ReadRegionRequest.z`);
 * t and c must have one step.
 */
export async function openOmeZarrSource(dir: string): Promise<OmeZarrSource> {
  const store = new FileSystemStore(dir);
  const root = zarr.root(store);
  let group: zarr.Group<FileSystemStore>;
  try {
    group = await zarr.open(root, { kind: 'group' });
  } catch (err) {
    throw new ApiError('SLIDE_METADATA_INVALID', `${dir}: not a Zarr group (${messageOf(err)})`, 'path');
  }
  const ms = parseOmeMultiscales(group.attrs, dir);
  const base = ms.datasets[0]!;
  const zarrLevels: OmeZarrLevel[] = [];
  // A z axis makes the slide a volume of sections; t and c must still have one step.
  const zi = ms.axes.findIndex((a) => a.name === 'z');
  let sections = 1;
  for (const ds of ms.datasets) {
    const where = `${dir}/${ds.path}`;
    const array = await openArray(root.resolve(ds.path), where);
    if (array.shape.length !== ms.axes.length) {
      throw new ApiError(
        'SLIDE_METADATA_INVALID',
        `${where}: array has ${array.shape.length} dimensions but the multiscales metadata names ${ms.axes.length} axes`,
        'path',
      );
    }
    ms.axes.forEach((axis, i) => {
      if (i === ms.x || i === ms.y || i === zi || array.shape[i] === 1) return;
      throw new ApiError(
        'SLIDE_AXES_UNSUPPORTED',
        `${where}: axis ${axis.name} has ${array.shape[i]} steps; a slide is one 2D image or a z stack of them (pick one ${axis.type ?? axis.name} and write it as its own store)`,
        'path',
      );
    });
    if (zi >= 0 && zarrLevels.length === 0) {
      sections = array.shape[zi]!;
      if (sections > MAX_SLIDE_SECTIONS) {
        throw new ApiError(
          'SLIDE_TOO_MANY_SECTIONS',
          `${where}: axis z claims ${sections} sections, over the limit of ${MAX_SLIDE_SECTIONS}`,
          'path',
        );
      }
    }
    // A coarser dataset that also halves z has no plane per section: the levels from there on are resampled from the
    // last dataset that keeps every section, as for any level the store does not hold.
    if (zi >= 0 && array.shape[zi] !== sections) break;
    const fx = ds.scale[ms.x]! / base.scale[ms.x]!;
    const fy = ds.scale[ms.y]! / base.scale[ms.y]!;
    const width = array.shape[ms.x]!;
    const height = array.shape[ms.y]!;
    const prev = zarrLevels.at(-1);
    if (Math.abs(fx - fy) > 1e-6 * fx || (prev && fx <= prev.factor) || (!prev && fx !== 1)) {
      throw new ApiError(
        'SLIDE_METADATA_INVALID',
        `${where}: scale factors x ${fx}, y ${fy} relative to ${base.path}; each dataset must be coarser than the last, the same in x and y`,
        'path',
      );
    }
    if (prev) {
      const first = zarrLevels[0]!;
      if (Math.abs(width - first.width / fx) > 1 || Math.abs(height - first.height / fx) > 1) {
        throw new ApiError(
          'SLIDE_METADATA_INVALID',
          `${where}: shape ${width}×${height} does not match its scale factor ${fx} of ${first.path} (${first.width}×${first.height})`,
          'path',
        );
      }
    }
    zarrLevels.push({
      path: ds.path,
      factor: fx,
      width,
      height,
      chunkHeight: array.chunks[ms.y]!,
      chunkWidth: array.chunks[ms.x]!,
      array,
    });
  }
  const finest = zarrLevels[0]!;
  const width = finest.width;
  const height = finest.height;
  const source: OmeZarrSource = {
    width,
    height,
    tileSize: 256,
    levels: levelCount(width, height, 256),
    format: 'ome-zarr',
    sections,
    multiscales: ms,
    zarrLevels,
    pixelSize: pixelSizeOf(ms),
    async readRegion(req: ReadRegionRequest): Promise<Uint8Array> {
      assertWindowInside(source, req);
      const { level, x, y, width: w, height: h, signal, z = 0 } = req;
      signal?.throwIfAborted();
      const down = 2 ** level;
      // Coarsest dataset still at least as detailed as the level (a tolerance for scales stored as decimals).
      const ds = zarrLevels.findLast((l) => l.factor <= down * (1 + 1e-9)) ?? finest;
      const r = down / ds.factor;
      const left = Math.min(ds.width - 1, Math.floor(x * r));
      const top = Math.min(ds.height - 1, Math.floor(y * r));
      const right = Math.max(left + 1, Math.min(ds.width, Math.ceil((x + w) * r)));
      const bottom = Math.max(top + 1, Math.min(ds.height, Math.ceil((y + h) * r)));
      const selection = ms.axes.map((_, i) =>
        i === ms.y ? zarr.slice(top, bottom) : i === ms.x ? zarr.slice(left, right) : i === zi ? z : 0,
      );
      let chunk: zarr.Chunk<GreyDtype>;
      try {
        chunk = await zarr.get(ds.array, selection);
      } catch (err) {
        throw new ApiError('SLIDE_CORRUPT', `${dir}/${ds.path}: ${messageOf(err)}`);
      }
      signal?.throwIfAborted();
      const cols = right - left;
      const rows = bottom - top;
      const grey = toGrey(chunk.data, rows * cols, ms.window);
      if (cols === w && rows === h) return grey;
      const resized = await sharp(grey, { raw: { width: cols, height: rows, channels: 1 } })
        .resize(w, h, { fit: 'fill' })
        // libvips outputs sRGB after a resize unless told the image stays grey.
        .toColourspace('b-w')
        .raw()
        .toBuffer();
      return new Uint8Array(resized.buffer, resized.byteOffset, resized.length);
    },
  };
  return source;
}

async function openArray(
  location: zarr.Location<FileSystemStore>,
  where: string,
): Promise<zarr.Array<GreyDtype, FileSystemStore>> {
  let array: zarr.Array<zarr.DataType, FileSystemStore>;
  try {
    array = await zarr.open(location, { kind: 'array' });
  } catch (err) {
    if (err instanceof zarr.UnknownCodecError) {
      throw new ApiError('SLIDE_CODEC_UNSUPPORTED', `${where}: ${messageOf(err)}`, 'path');
    }
    throw new ApiError('SLIDE_METADATA_INVALID', `${where}: not a readable Zarr array (${messageOf(err)})`, 'path');
  }
  if (!(DTYPES as readonly string[]).includes(array.dtype)) {
    throw new ApiError(
      'SLIDE_CODEC_UNSUPPORTED',
      `${where}: data type ${array.dtype} is not supported (grey uint8 or uint16 only)`,
      'path',
    );
  }
  return array as zarr.Array<GreyDtype, FileSystemStore>;
}

function toGrey(
  data: zarr.TypedArray<GreyDtype>,
  n: number,
  window: { start: number; end: number } | undefined,
): Uint8Array {
  if (data instanceof Uint8Array) return data.length === n ? data : data.subarray(0, n);
  const out = new Uint8Array(n);
  if (!window) {
    for (let i = 0; i < n; i++) out[i] = data[i]! >> 8;
    return out;
  }
  // A Uint8Array store wraps out-of-range values (256 → 0), so clamp first.
  const k = 255 / (window.end - window.start);
  for (let i = 0; i < n; i++) out[i] = Math.max(0, Math.min(255, Math.round((data[i]! - window.start) * k)));
  return out;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
