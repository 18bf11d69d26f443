import { open } from 'node:fs/promises';
import type { PixelSize } from '@activeseg/protocol';

/** OME-XML length units (symbols, as OME writes them) in micrometres. */
const UNIT_TO_MICROMETRES: Record<string, number> = {
  Å: 1e-4,
  nm: 1e-3,
  µm: 1,
  μm: 1,
  um: 1,
  mm: 1e3,
  cm: 1e4,
  m: 1e6,
};

/** OME-XML kept in a TIFF's first ImageDescription is a few KB; more than this is not metadata worth parsing. */
const MAX_DESCRIPTION_BYTES = 4 * 1024 * 1024;

/**
 * Level-0 pixel size from an OME-TIFF: the first `<Pixels>` of the OME-XML in IFD 0's ImageDescription (tag 270),
 * PhysicalSizeX/Y with their units (micrometres when no unit is given). Undefined for a plain TIFF, a description
 * that is not OME-XML, or one without physical sizes. sharp does not expose the description, so IFD 0 is read
 * here: only its entry table and the description's bytes, never pixel data.
 */
export async function readOmeTiffPixelSize(path: string): Promise<PixelSize | undefined> {
  const xml = await readImageDescription(path).catch(() => undefined);
  if (!xml?.includes('<OME')) return undefined;
  const pixels = /<(?:\w+:)?Pixels\b[^>]*>/.exec(xml)?.[0];
  if (!pixels) return undefined;
  const attr = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(pixels)?.[1];
  const size = (axis: 'X' | 'Y') => {
    const value = Number(attr(`PhysicalSize${axis}`));
    const factor = UNIT_TO_MICROMETRES[attr(`PhysicalSize${axis}Unit`) ?? 'µm'];
    return Number.isFinite(value) && value > 0 && factor !== undefined ? value * factor : undefined;
  };
  const x = size('X');
  const y = size('Y');
  return x !== undefined && y !== undefined ? { x, y, unit: 'µm' } : undefined;
}

async function readImageDescription(path: string): Promise<string | undefined> {
  const fh = await open(path, 'r');
  try {
    const read = async (position: number, length: number) => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, position);
      if (bytesRead !== length) throw new Error('short read');
      return buf;
    };
    const head = await read(0, 16);
    const le = head.toString('latin1', 0, 2) === 'II';
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const u64 = (b: Buffer, o: number) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
    const big = u16(head, 2) === 43;
    const ifd = big ? u64(head, 8) : u32(head, 4);
    const entries = big ? u64(await read(ifd, 8), 0) : u16(await read(ifd, 2), 0);
    const entrySize = big ? 20 : 12;
    const table = await read(ifd + (big ? 8 : 2), Math.min(entries, 4096) * entrySize);
    for (let i = 0; i < Math.min(entries, 4096); i++) {
      const e = i * entrySize;
      if (u16(table, e) !== 270) continue;
      const count = big ? u64(table, e + 4) : u32(table, e + 4);
      if (count > MAX_DESCRIPTION_BYTES) return undefined;
      const inline = big ? 8 : 4;
      const bytes =
        count <= inline
          ? table.subarray(e + (big ? 12 : 8), e + (big ? 12 : 8) + count)
          : await read(big ? u64(table, e + 12) : u32(table, e + 8), count);
      return bytes.toString('utf8').replace(/\0+$/, '');
    }
    return undefined;
  } finally {
    await fh.close();
  }
}
