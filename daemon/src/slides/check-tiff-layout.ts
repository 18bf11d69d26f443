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

interface Chunk {
  offset: number;
  bytes: number;
  directory: number;
  index: number;
  kind: 'tile' | 'strip';
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
  const chunks: Chunk[] = [];
  for (const d of directories) {
    const kind = d.tileWidth === undefined ? 'strip' : 'tile';
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
      chunks.push({ offset, bytes, directory: d.index, index: i, kind });
    }
  }
  chunks.sort((a, b) => a.offset - b.offset || a.bytes - b.bytes);
  for (let i = 1; i < chunks.length; i++) {
    const prev = chunks[i - 1]!;
    const cur = chunks[i]!;
    if (cur.offset < prev.offset + prev.bytes) {
      const how = cur.offset === prev.offset ? 'shares its data with' : 'overlaps the data of';
      throw new TiffLayoutError(
        `${cur.kind} ${cur.index} of directory ${cur.directory} (bytes ${cur.offset}–${cur.offset + cur.bytes}) ${how} ` +
          `${prev.kind} ${prev.index} of directory ${prev.directory} (bytes ${prev.offset}–${prev.offset + prev.bytes}): its tile table is scrambled`,
      );
    }
  }
  return { directories: directories.length, chunks: chunks.length };
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
