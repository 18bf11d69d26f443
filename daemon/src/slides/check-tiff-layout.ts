import { readTiffDirectories, type TiffDirectory, TiffStructureError } from './read-tiff-directories.js';

export interface CheckTiffLayoutResult {
  directories: number;
  /** Tiles and strips checked, over all directories. */
  chunks: number;
}

/** What is wrong with a TIFF's layout, in words a user can act on; thrown by `checkTiffLayout`. */
export class TiffLayoutError extends Error {
  override readonly name = 'TiffLayoutError';
}

/**
 * Refuses a TIFF whose tile (or strip) tables cannot be right, before any pixel is decoded. libvips reads a tile
 * wherever its offset points: an offset scrambled into another tile's data decodes without error into the wrong
 * pixels, and one pointing anywhere else fails only when that tile is shown. So every directory must list one
 * offset and one byte count per tile, each range must lie inside the file past the header, and no two ranges may
 * share or overlap bytes. (Writers that store one copy of identical tiles are refused too: we cannot tell them
 * from a scrambled table.)
 */
export async function checkTiffLayout(path: string): Promise<CheckTiffLayoutResult> {
  let layout: Awaited<ReturnType<typeof readTiffDirectories>>;
  try {
    layout = await readTiffDirectories(path);
  } catch (err) {
    if (err instanceof TiffStructureError)
      throw new TiffLayoutError(`its directory structure is damaged: ${err.message}`);
    throw err;
  }
  const { fileBytes, bigTiff, directories } = layout;
  const header = bigTiff ? 16 : 8;
  // Flat arrays, not one object per tile: a 10-gigapixel slide has ~200 000 tiles and is checked at every open.
  const total = directories.reduce((n, d) => n + d.offsets.length, 0);
  const starts = new Float64Array(total);
  const ends = new Float64Array(total);
  const owner = new Uint32Array(total);
  let n = 0;
  let ascending = true;
  for (const d of directories) {
    const kind = chunkKind(d);
    const expected = expectedChunks(d);
    if (d.offsets.length !== expected || d.byteCounts.length !== expected) {
      throw new TiffLayoutError(
        `directory ${d.index} (${d.width}×${d.height}) needs ${expected} ${kind}s but lists ${d.offsets.length} offsets and ${d.byteCounts.length} byte counts`,
      );
    }
    for (let i = 0; i < expected; i++) {
      const offset = d.offsets[i]!;
      const bytes = d.byteCounts[i]!;
      if (bytes === 0 || offset < header || offset + bytes > fileBytes) {
        throw new TiffLayoutError(
          `${kind} ${i} of directory ${d.index} points at bytes ${offset}–${offset + bytes}, ` +
            (bytes === 0 ? 'an empty range' : `outside the file's ${fileBytes} bytes of data`),
        );
      }
      if (n > 0 && offset < (starts[n - 1] as number)) ascending = false;
      starts[n] = offset;
      ends[n] = offset + bytes;
      owner[n] = d.index;
      n++;
    }
  }
  // Writers lay tiles out in order, so the sort is usually skipped; otherwise order an index by start (then end).
  const order = Uint32Array.from({ length: total }, (_, i) => i);
  if (!ascending)
    order.sort((a, b) => (starts[a] as number) - (starts[b] as number) || (ends[a] as number) - (ends[b] as number));
  for (let k = 1; k < total; k++) {
    const prev = order[k - 1] as number;
    const cur = order[k] as number;
    if ((starts[cur] as number) < (ends[prev] as number)) {
      const how = starts[cur] === starts[prev] ? 'shares its data with' : 'overlaps the data of';
      throw new TiffLayoutError(
        `${describeChunk(directories, owner, cur)} (bytes ${starts[cur]}–${ends[cur]}) ${how} ` +
          `${describeChunk(directories, owner, prev)} (bytes ${starts[prev]}–${ends[prev]}): its tile table is scrambled`,
      );
    }
  }
  return { directories: directories.length, chunks: total };
}

function expectedChunks(d: TiffDirectory): number {
  const planes = d.planarConfiguration === 2 ? d.samplesPerPixel : 1;
  if (d.tileWidth !== undefined && d.tileHeight !== undefined) {
    if (d.tileWidth === 0 || d.tileHeight === 0) {
      throw new TiffLayoutError(`directory ${d.index} claims tiles of ${d.tileWidth}×${d.tileHeight} pixels`);
    }
    return Math.ceil(d.width / d.tileWidth) * Math.ceil(d.height / d.tileHeight) * planes;
  }
  const rows = Math.min(d.rowsPerStrip || d.height, d.height);
  return Math.ceil(d.height / Math.max(1, rows)) * planes;
}

function chunkKind(d: TiffDirectory): 'tile' | 'strip' {
  return d.tileWidth === undefined ? 'strip' : 'tile';
}

/** "tile 12 of directory 0": the flat position `k` back to its directory and index there (only on the error path). */
function describeChunk(directories: readonly TiffDirectory[], owner: Uint32Array, k: number): string {
  const d = directories[owner[k] as number]!;
  const first = directories.slice(0, d.index).reduce((sum, x) => sum + x.offsets.length, 0);
  return `${chunkKind(d)} ${k - first} of directory ${d.index}`;
}
