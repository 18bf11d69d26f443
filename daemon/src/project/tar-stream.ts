import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

export interface TarEntry {
  /** Archive member name (ASCII, at most 100 bytes: no prefix field is used). */
  name: string;
  /** File to copy; exactly `size` bytes of it are written. */
  path: string;
  size: number;
  mtimeMs: number;
}

const BLOCK = 512;

/**
 * An uncompressed POSIX ustar archive of regular files, streamed: headers are built by hand, contents are piped
 * from disk, so an archive of a large weights file never sits in memory. A file that changed size since `size`
 * was read fails the stream rather than producing a corrupt archive.
 */
export function tarStream(entries: readonly TarEntry[]): Readable {
  return Readable.from(tarChunks(entries), { objectMode: false });
}

async function* tarChunks(entries: readonly TarEntry[]): AsyncGenerator<Buffer> {
  for (const e of entries) {
    yield ustarHeader(e);
    let written = 0;
    for await (const chunk of createReadStream(e.path) as AsyncIterable<Buffer>) {
      written += chunk.length;
      if (written > e.size) throw new Error(`${e.name} grew while it was being archived`);
      yield chunk;
    }
    if (written !== e.size) throw new Error(`${e.name} shrank while it was being archived`);
    const pad = (BLOCK - (e.size % BLOCK)) % BLOCK;
    if (pad > 0) yield Buffer.alloc(pad);
  }
  // End of archive: two zero blocks.
  yield Buffer.alloc(2 * BLOCK);
}

export function ustarHeader(e: Pick<TarEntry, 'name' | 'size' | 'mtimeMs'>): Buffer {
  const name = Buffer.from(e.name, 'utf8');
  if (name.length > 100 || !/^[\x21-\x7e]+$/.test(e.name)) throw new Error(`unsupported tar member name ${e.name}`);
  const h = Buffer.alloc(BLOCK);
  const octal = (value: number, offset: number, width: number) => {
    const digits = Math.floor(value)
      .toString(8)
      .padStart(width - 1, '0');
    if (digits.length > width - 1) throw new Error(`tar field overflow: ${value}`);
    h.write(`${digits}\0`, offset, width, 'ascii');
  };
  name.copy(h, 0);
  octal(0o644, 100, 8); // mode
  octal(0, 108, 8); // uid
  octal(0, 116, 8); // gid
  octal(e.size, 124, 12); // size (≤ 8 GiB − 1 in 11 octal digits)
  octal(e.mtimeMs / 1000, 136, 12);
  h.write('        ', 148, 8, 'ascii'); // checksum field counts as spaces while summing
  h.write('0', 156, 1, 'ascii'); // typeflag: regular file
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('activeseg', 265, 32, 'ascii'); // uname
  h.write('activeseg', 297, 32, 'ascii'); // gname
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}
