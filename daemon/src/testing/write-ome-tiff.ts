import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';

export interface WriteOmeTiffOptions {
  width: number;
  height: number;
  /** Grey, row-major, width × height. */
  data: Uint8Array;
  /** PhysicalSizeX/Y written in the OME-XML, in nanometres; omitted when undefined. */
  physicalSizeNm?: number;
  /** Reduced-resolution levels stored as SubIFDs of IFD 0 (each half the last), as Bio-Formats writes pyramids. */
  subIfdLevels?: number;
}

/**
 * Writes a small classic little-endian OME-TIFF for tests: uncompressed single-strip 8-bit grey images, OME-XML in
 * IFD 0's ImageDescription, and optional SubIFD pyramid levels (tag 330). libvips/sharp cannot write either, so the
 * file is laid out here: header, pixel strips, description, then the IFDs (entries sorted by tag, as TIFF requires).
 */
export async function writeOmeTiff(path: string, options: WriteOmeTiffOptions): Promise<void> {
  const { width, height, data, physicalSizeNm, subIfdLevels = 0 } = options;
  const levels: { width: number; height: number; data: Uint8Array }[] = [{ width, height, data }];
  for (let k = 1; k <= subIfdLevels; k++) {
    const prev = levels.at(-1)!;
    const w = Math.ceil(prev.width / 2);
    const h = Math.ceil(prev.height / 2);
    const out = await sharp(prev.data, { raw: { width: prev.width, height: prev.height, channels: 1 } })
      // Nearest, not libvips' default kernel: tests can then tell a stored level from one resampled on the fly.
      .resize(w, h, { fit: 'fill', kernel: 'nearest' })
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    levels.push({ width: w, height: h, data: new Uint8Array(out) });
  }
  const size =
    physicalSizeNm === undefined
      ? ''
      : ` PhysicalSizeX="${physicalSizeNm}" PhysicalSizeXUnit="nm" PhysicalSizeY="${physicalSizeNm}" PhysicalSizeYUnit="nm"`;
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06">' +
    `<Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="uint8" SizeX="${width}" SizeY="${height}" SizeZ="1" SizeC="1" SizeT="1"${size}>` +
    '<Channel ID="Channel:0:0" SamplesPerPixel="1"/><TiffData/></Pixels></Image></OME>\0';
  const description = Buffer.from(xml, 'utf8');

  const chunks: Buffer[] = [];
  let offset = 8;
  const append = (b: Buffer) => {
    const at = offset;
    chunks.push(b);
    offset += b.length + (b.length % 2);
    if (b.length % 2) chunks.push(Buffer.alloc(1));
    return at;
  };
  const stripAt = levels.map((l) => append(Buffer.from(l.data.buffer, l.data.byteOffset, l.data.length)));
  const descriptionAt = append(description);
  // Sub-IFDs first, so IFD 0 can point at them.
  const ifdAt: number[] = [];
  const ifd = (entries: [tag: number, type: number, count: number, value: number][]) => {
    const b = Buffer.alloc(2 + entries.length * 12 + 4);
    b.writeUInt16LE(entries.length, 0);
    entries.forEach(([tag, type, count, value], i) => {
      const e = 2 + i * 12;
      b.writeUInt16LE(tag, e);
      b.writeUInt16LE(type, e + 2);
      b.writeUInt32LE(count, e + 4);
      if (type === 3 && count === 1) b.writeUInt16LE(value, e + 8);
      else b.writeUInt32LE(value, e + 8);
    });
    return append(b);
  };
  const SHORT = 3;
  const LONG = 4;
  const ASCII = 2;
  const IFD = 13;
  const imageEntries = (k: number): [number, number, number, number][] => [
    [254, LONG, 1, k === 0 ? 0 : 1],
    [256, LONG, 1, levels[k]!.width],
    [257, LONG, 1, levels[k]!.height],
    [258, SHORT, 1, 8],
    [259, SHORT, 1, 1],
    [262, SHORT, 1, 1],
    [273, LONG, 1, stripAt[k]!],
    [277, SHORT, 1, 1],
    [278, LONG, 1, levels[k]!.height],
    [279, LONG, 1, levels[k]!.data.length],
  ];
  for (let k = 1; k < levels.length; k++) ifdAt.push(ifd(imageEntries(k)));
  let subIfds: [number, number, number, number][] = [];
  if (ifdAt.length === 1) subIfds = [[330, IFD, 1, ifdAt[0]!]];
  if (ifdAt.length > 1) {
    const list = Buffer.alloc(4 * ifdAt.length);
    for (const [i, v] of ifdAt.entries()) list.writeUInt32LE(v, 4 * i);
    subIfds = [[330, IFD, ifdAt.length, append(list)]];
  }
  const entries0 = [
    ...imageEntries(0),
    [270, ASCII, description.length, descriptionAt] as [number, number, number, number],
    ...subIfds,
  ];
  entries0.sort((a, b) => a[0] - b[0]);
  const ifd0 = ifd(entries0);
  const header = Buffer.alloc(8);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  header.writeUInt32LE(ifd0, 4);
  await writeFile(path, Buffer.concat([header, ...chunks]));
}
