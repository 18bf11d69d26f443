import { readFile, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { readTiffDirectories } from '../slides/read-tiff-directories.js';

/**
 * How one tile's entry in the tile table is damaged:
 * - `duplicate`: takes another tile's offset and byte count, so it decodes cleanly into that tile's pixels;
 * - `into-other`: points into the middle of another tile's compressed data (usually a decode error);
 * - `swap-offsets`: swaps offsets (not byte counts) with another tile;
 * - `past-end`: points past the end of the file.
 */
export type TileScramble = 'duplicate' | 'into-other' | 'swap-offsets' | 'past-end';

export interface WriteScrambledTiffOptions {
  width: number;
  height: number;
  /** Pyramid pages too (as ingest writes them), or a single tiled page. */
  pyramid?: boolean;
  compression?: 'lzw' | 'jpeg' | 'deflate';
  /** Tiles of directory 0 to damage: `{ tile, with, how }` (`with` is the other tile, where there is one). */
  scramble: readonly { tile: number; with: number; how: TileScramble }[];
}

/** Level-0 pixels of the fixture: a gradient with a per-tile offset, so every tile's content differs. */
export function scrambledTiffPixels(width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const tile = Math.floor(y / 256) * 7 + Math.floor(x / 256);
      out[y * width + x] = (x + 2 * y + 37 * tile + ((x * y) % 13)) % 256;
    }
  }
  return out;
}

/**
 * Writes a tiled 8-bit grey TIFF (256² tiles, libvips) and then rewrites entries of its tile table in place, the
 * damage a broken writer or a bad copy leaves. For tests of ingest's layout check and of what tiles are served.
 */
export async function writeScrambledTiff(path: string, options: WriteScrambledTiffOptions): Promise<void> {
  const { width, height } = options;
  await sharp(scrambledTiffPixels(width, height), { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .tiff({
      tile: true,
      tileWidth: 256,
      tileHeight: 256,
      pyramid: options.pyramid ?? false,
      compression: options.compression ?? 'lzw',
    })
    .toFile(path);
  const layout = await readTiffDirectories(path);
  const dir = layout.directories[0];
  if (!dir) throw new Error(`${path}: no directory written`);
  const bytes = await readFile(path);
  const offsets = [...dir.offsets];
  const counts = [...dir.byteCounts];
  for (const { tile, with: other, how } of options.scramble) {
    if (offsets[tile] === undefined || offsets[other] === undefined) throw new RangeError(`no tile ${tile}/${other}`);
    if (how === 'duplicate') {
      offsets[tile] = offsets[other]!;
      counts[tile] = counts[other]!;
    } else if (how === 'into-other') {
      offsets[tile] = offsets[other]! + Math.floor(counts[other]! / 2);
    } else if (how === 'swap-offsets') {
      [offsets[tile], offsets[other]] = [offsets[other]!, offsets[tile]!];
    } else {
      offsets[tile] = layout.fileBytes + 4096;
    }
  }
  const put = (at: { position: number; valueBytes: number }, values: readonly number[]) => {
    const le = layout.littleEndian;
    for (const [i, v] of values.entries()) {
      const o = at.position + i * at.valueBytes;
      if (at.valueBytes === 8) le ? bytes.writeBigUInt64LE(BigInt(v), o) : bytes.writeBigUInt64BE(BigInt(v), o);
      else if (at.valueBytes === 4) le ? bytes.writeUInt32LE(v, o) : bytes.writeUInt32BE(v, o);
      else le ? bytes.writeUInt16LE(v, o) : bytes.writeUInt16BE(v, o);
    }
  };
  put(dir.offsetsAt, offsets);
  put(dir.byteCountsAt, counts);
  await writeFile(path, bytes);
}
