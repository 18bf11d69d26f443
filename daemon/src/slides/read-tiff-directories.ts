import { open } from 'node:fs/promises';

/** The layout facts of one TIFF image file directory (IFD) that say where its pixel data lies. */
export interface TiffDirectory {
  /** Position in the walk: main chain first, SubIFDs after the directory that lists them. */
  index: number;
  width: number;
  height: number;
  /** Tile edge, or undefined for a striped directory. */
  tileWidth: number | undefined;
  tileHeight: number | undefined;
  rowsPerStrip: number;
  samplesPerPixel: number;
  /** 1 chunky (bands interleaved), 2 planar (one tile/strip set per band). */
  planarConfiguration: number;
  /** TileOffsets/TileByteCounts (tiled) or StripOffsets/StripByteCounts (striped). */
  offsets: number[];
  byteCounts: number[];
  /** Where those two arrays are stored in the file (test fixtures rewrite them). */
  offsetsAt: FieldLocation;
  byteCountsAt: FieldLocation;
}

export interface FieldLocation {
  /** Byte position of the first value. */
  position: number;
  /** Bytes per value (2, 4 or 8). */
  valueBytes: number;
}

export interface ReadTiffDirectoriesResult {
  fileBytes: number;
  bigTiff: boolean;
  littleEndian: boolean;
  directories: TiffDirectory[];
}

/** A TIFF whose structure cannot be walked (bad magic, directory or array outside the file, a loop). */
export class TiffStructureError extends Error {
  override readonly name = 'TiffStructureError';
}

const TAG = {
  width: 256,
  height: 257,
  stripOffsets: 273,
  samplesPerPixel: 277,
  rowsPerStrip: 278,
  stripByteCounts: 279,
  planarConfiguration: 284,
  tileWidth: 322,
  tileHeight: 323,
  tileOffsets: 324,
  tileByteCounts: 325,
  subIfds: 330,
} as const;
const WANTED = new Set<number>(Object.values(TAG));
/** Bytes per value of the TIFF field types that can hold the integers read here. */
const TYPE_SIZE: Record<number, number> = { 1: 1, 3: 2, 4: 4, 13: 4, 16: 8, 18: 8 };
/** No real slide has more; a bigger number is a damaged or hostile file. */
const MAX_DIRECTORIES = 4096;
const MAX_ENTRIES = 4096;

/**
 * Reads the directory chain (and SubIFDs) of a TIFF/BigTIFF, little- or big-endian, without decoding pixels: only the
 * tags that locate the pixel data. libvips trusts these tables; `checkTiffLayout` is what refuses a damaged one.
 */
export async function readTiffDirectories(path: string): Promise<ReadTiffDirectoriesResult> {
  const fh = await open(path, 'r');
  try {
    const fileBytes = (await fh.stat()).size;
    const read = async (position: number, length: number): Promise<Buffer> => {
      if (position < 0 || length < 0 || position + length > fileBytes) {
        throw new TiffStructureError(
          `bytes ${position}–${position + length} are past the end of the file (${fileBytes} bytes)`,
        );
      }
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, position);
      if (bytesRead !== length) throw new TiffStructureError(`short read at byte ${position}`);
      return buf;
    };
    const head = await read(0, Math.min(16, fileBytes));
    const order = head.toString('latin1', 0, 2);
    if (order !== 'II' && order !== 'MM') throw new TiffStructureError('no TIFF byte-order mark');
    const le = order === 'II';
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const u64 = (b: Buffer, o: number) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
    const magic = u16(head, 2);
    if (magic !== 42 && magic !== 43) throw new TiffStructureError(`TIFF magic ${magic}, expected 42 or 43`);
    const big = magic === 43;
    const first = big ? u64(head, 8) : u32(head, 4);
    const entrySize = big ? 20 : 12;
    const inlineBytes = big ? 8 : 4;

    /** The field's integers, and where they are stored (`entryAt` is the entry's own byte position). */
    const values = async (entry: Buffer, entryAt: number): Promise<{ values: number[]; at: FieldLocation }> => {
      const type = u16(entry, 2);
      const count = big ? u64(entry, 4) : u32(entry, 4);
      const size = TYPE_SIZE[type];
      if (size === undefined) throw new TiffStructureError(`field type ${type} where an integer was expected`);
      const bytes = size * count;
      const inline = bytes <= inlineBytes;
      const position = inline ? entryAt + (big ? 12 : 8) : big ? u64(entry, 12) : u32(entry, 8);
      const data = inline ? entry.subarray(big ? 12 : 8) : await read(position, bytes);
      const out = new Array<number>(count);
      for (let i = 0; i < count; i++) {
        const o = i * size;
        out[i] = size === 1 ? data[o]! : size === 2 ? u16(data, o) : size === 4 ? u32(data, o) : u64(data, o);
      }
      return { values: out, at: { position, valueBytes: size } };
    };

    const directories: TiffDirectory[] = [];
    const seen = new Set<number>();
    const queue: number[] = [first];
    while (queue.length > 0) {
      const at = queue.shift()!;
      if (at === 0) continue;
      if (seen.has(at)) throw new TiffStructureError(`directory at byte ${at} is listed twice (a loop)`);
      if (seen.size >= MAX_DIRECTORIES) throw new TiffStructureError(`more than ${MAX_DIRECTORIES} directories`);
      seen.add(at);
      const countBuf = await read(at, big ? 8 : 2);
      const count = big ? u64(countBuf, 0) : u16(countBuf, 0);
      if (count === 0 || count > MAX_ENTRIES)
        throw new TiffStructureError(`directory at byte ${at} has ${count} entries`);
      const start = at + (big ? 8 : 2);
      const body = await read(start, count * entrySize + (big ? 8 : 4));
      const fields = new Map<number, { values: number[]; at: FieldLocation }>();
      for (let i = 0; i < count; i++) {
        const entry = body.subarray(i * entrySize, (i + 1) * entrySize);
        const tag = u16(entry, 0);
        if (WANTED.has(tag)) fields.set(tag, await values(entry, start + i * entrySize));
      }
      const tags = new Map([...fields].map(([tag, f]) => [tag, f.values]));
      const next = big ? u64(body, count * entrySize) : u32(body, count * entrySize);
      const one = (tag: number, fallback?: number): number => {
        const v = tags.get(tag)?.[0] ?? fallback;
        if (v === undefined) throw new TiffStructureError(`directory ${directories.length} has no tag ${tag}`);
        return v;
      };
      const tiled = tags.has(TAG.tileOffsets);
      directories.push({
        index: directories.length,
        width: one(TAG.width),
        height: one(TAG.height),
        tileWidth: tiled ? one(TAG.tileWidth) : undefined,
        tileHeight: tiled ? one(TAG.tileHeight) : undefined,
        rowsPerStrip: one(TAG.rowsPerStrip, 2 ** 32 - 1),
        samplesPerPixel: one(TAG.samplesPerPixel, 1),
        planarConfiguration: one(TAG.planarConfiguration, 1),
        offsets: tags.get(tiled ? TAG.tileOffsets : TAG.stripOffsets) ?? [],
        byteCounts: tags.get(tiled ? TAG.tileByteCounts : TAG.stripByteCounts) ?? [],
        offsetsAt: fields.get(tiled ? TAG.tileOffsets : TAG.stripOffsets)?.at ?? { position: 0, valueBytes: 0 },
        byteCountsAt: fields.get(tiled ? TAG.tileByteCounts : TAG.stripByteCounts)?.at ?? {
          position: 0,
          valueBytes: 0,
        },
      });
      for (const sub of tags.get(TAG.subIfds) ?? []) queue.push(sub);
      queue.push(next);
    }
    return { fileBytes, bigTiff: big, littleEndian: le, directories };
  } finally {
    await fh.close();
  }
}
