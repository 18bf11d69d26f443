import { writeFile } from 'node:fs/promises';

export interface TiffPage {
  width: number;
  height: number;
  /** Grey, row-major, width × height. */
  data: Uint8Array;
}

/**
 * Writes a classic little-endian TIFF with one uncompressed 8-bit grey page per entry, chained in order, whatever
 * their sizes (libvips writes a multi-page TIFF only from pages of one size, and tests need odd-sized ones too).
 */
export async function writeMultiPageTiff(path: string, pages: readonly TiffPage[]): Promise<void> {
  const chunks: Buffer[] = [];
  let offset = 8;
  const append = (b: Buffer): number => {
    const at = offset;
    chunks.push(b);
    offset += b.length + (b.length % 2);
    if (b.length % 2) chunks.push(Buffer.alloc(1));
    return at;
  };
  const stripAt = pages.map((p) => append(Buffer.from(p.data.buffer, p.data.byteOffset, p.data.length)));
  const SHORT = 3;
  const LONG = 4;
  const entriesOf = (p: TiffPage, strip: number): [number, number, number][] => [
    [256, LONG, p.width],
    [257, LONG, p.height],
    [258, SHORT, 8],
    [259, SHORT, 1],
    [262, SHORT, 1],
    [273, LONG, strip],
    [277, SHORT, 1],
    [278, LONG, p.height],
    [279, LONG, p.data.length],
  ];
  const ifdSize = (n: number) => 2 + n * 12 + 4;
  // IFDs go after the pixel data, each pointing at the next one.
  const first = offset;
  let at = first;
  const ifds = pages.map((p, i) => {
    const entries = entriesOf(p, stripAt[i]!);
    const b = Buffer.alloc(ifdSize(entries.length));
    b.writeUInt16LE(entries.length, 0);
    entries.forEach(([tag, type, value], k) => {
      const e = 2 + k * 12;
      b.writeUInt16LE(tag, e);
      b.writeUInt16LE(type, e + 2);
      b.writeUInt32LE(1, e + 4);
      if (type === SHORT) b.writeUInt16LE(value, e + 8);
      else b.writeUInt32LE(value, e + 8);
    });
    at += b.length;
    b.writeUInt32LE(i === pages.length - 1 ? 0 : at, b.length - 4);
    return b;
  });
  const header = Buffer.alloc(8);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  header.writeUInt32LE(first, 4);
  await writeFile(path, Buffer.concat([header, ...chunks, ...ifds]));
}
