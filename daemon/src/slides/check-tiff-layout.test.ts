import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../errors/api-error.js';
import { scrambledTiffPixels, writeScrambledTiff } from '../testing/write-scrambled-tiff.js';
import { checkTiffLayout, TiffLayoutError } from './check-tiff-layout.js';
import { ingestSlide } from './ingest-slide.js';
import { pyramidTiffOptions } from './pyramid-tiff.js';
import { readTiffDirectories } from './read-tiff-directories.js';
import { loadSharpSlideSource } from './sharp-slide-source.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-tiff-layout-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 2560 × 1536 in 256² tiles: 10 × 6 = 60 tiles at level 0, like the slide in the issue.
const W = 2560;
const H = 1536;

async function layoutError(path: string): Promise<string> {
  const err = await checkTiffLayout(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TiffLayoutError);
  return (err as Error).message;
}

describe('readTiffDirectories', () => {
  it('walks a pyramidal BigTIFF (as ingest writes) and a striped classic TIFF', async () => {
    const pyramid = join(dir, 'pyramid.tif');
    await sharp(scrambledTiffPixels(W, H), { raw: { width: W, height: H, channels: 1 } })
      .toColourspace('b-w')
      .tiff(pyramidTiffOptions('jpeg', 90))
      .toFile(pyramid);
    const p = await readTiffDirectories(pyramid);
    expect(p.bigTiff).toBe(true);
    expect(p.directories.map((d) => [d.width, d.height, d.offsets.length])).toEqual([
      [2560, 1536, 60],
      [1280, 768, 15],
      [640, 384, 6],
      [320, 192, 2],
      [160, 96, 1],
    ]);
    const striped = join(dir, 'striped.tif');
    await sharp(scrambledTiffPixels(300, 200), { raw: { width: 300, height: 200, channels: 1 } })
      .toColourspace('b-w')
      .tiff({ compression: 'lzw' })
      .toFile(striped);
    const s = await readTiffDirectories(striped);
    expect(s.bigTiff).toBe(false);
    expect(s.directories[0]?.tileWidth).toBeUndefined();
    expect(await checkTiffLayout(striped)).toMatchObject({ directories: 1 });
    expect(await checkTiffLayout(pyramid)).toEqual({ directories: 5, chunks: 60 + 15 + 6 + 2 + 1 });
  });
});

/**
 * A big-endian ("MM") tiled TIFF of 512 × 256 grey pixels, uncompressed, in two 256² tiles; `tileOffsets` can point
 * them anywhere. libvips never writes big-endian, so this is assembled by hand.
 */
function bigEndianTiledTiff(tileOffsets?: (data: readonly [number, number]) => [number, number]): Buffer {
  const entries: [number, number, number, number | number[]][] = [];
  const header = 8;
  const tileBytes = 256 * 256;
  const data: [number, number] = [header, header + tileBytes];
  const ifdAt = header + 2 * tileBytes;
  const arraysAt = ifdAt + 2 + 10 * 12 + 4;
  const offsets = tileOffsets ? tileOffsets(data) : data;
  entries.push([256, 3, 1, 512], [257, 3, 1, 256], [258, 3, 1, 8], [259, 3, 1, 1], [262, 3, 1, 1]);
  entries.push([277, 3, 1, 1], [322, 3, 1, 256], [323, 3, 1, 256], [324, 4, 2, arraysAt], [325, 4, 2, arraysAt + 8]);
  const out = Buffer.alloc(arraysAt + 16);
  out.write('MM', 0, 'latin1');
  out.writeUInt16BE(42, 2);
  out.writeUInt32BE(ifdAt, 4);
  for (let i = 0; i < 2 * tileBytes; i++) out[header + i] = (i % 256) ^ (i >> 16 ? 0xff : 0);
  out.writeUInt16BE(entries.length, ifdAt);
  entries.forEach(([tag, type, count, value], i) => {
    const o = ifdAt + 2 + i * 12;
    out.writeUInt16BE(tag, o);
    out.writeUInt16BE(type, o + 2);
    out.writeUInt32BE(count, o + 4);
    if (type === 3) out.writeUInt16BE(value as number, o + 8);
    else out.writeUInt32BE(value as number, o + 8);
  });
  out.writeUInt32BE(offsets[0], arraysAt);
  out.writeUInt32BE(offsets[1], arraysAt + 4);
  out.writeUInt32BE(tileBytes, arraysAt + 8);
  out.writeUInt32BE(tileBytes, arraysAt + 12);
  return out;
}

describe('checkTiffLayout', () => {
  it('reads big-endian TIFFs too', async () => {
    const good = join(dir, 'mm.tif');
    writeFileSync(good, bigEndianTiledTiff());
    // libvips reads the hand-made file, so it is a real TIFF, and its second tile differs from its first.
    const left = await sharp(good)
      .extract({ left: 0, top: 0, width: 256, height: 256 })
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    const right = await sharp(good)
      .extract({ left: 256, top: 0, width: 256, height: 256 })
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    expect(left.equals(right)).toBe(false);
    expect(await checkTiffLayout(good)).toEqual({ directories: 1, chunks: 2 });
    const shared = join(dir, 'mm-shared.tif');
    writeFileSync(
      shared,
      bigEndianTiledTiff(([a]) => [a, a]),
    );
    expect(await layoutError(shared)).toMatch(/^tile 1 of directory 0 \(bytes 8–65544\) shares its data with tile 0/);
  });

  it('passes an intact tiled TIFF', async () => {
    const path = join(dir, 'intact.tif');
    await writeScrambledTiff(path, { width: W, height: H, scramble: [] });
    expect(await checkTiffLayout(path)).toEqual({ directories: 1, chunks: 60 });
  });

  it('refuses a tile that shares another tile’s data (the one that decodes into wrong pixels)', async () => {
    const path = join(dir, 'duplicate.tif');
    await writeScrambledTiff(path, { width: W, height: H, scramble: [{ tile: 12, with: 3, how: 'duplicate' }] });
    // libvips itself decodes it without complaint, into tile 3's pixels: only the table shows the damage.
    const tile = await sharp(path)
      .extract({ left: 512, top: 256, width: 256, height: 256 })
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    const three = await sharp(path)
      .extract({ left: 768, top: 0, width: 256, height: 256 })
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    expect(tile.equals(three)).toBe(true);
    expect(await layoutError(path)).toMatch(
      /^tile 12 of directory 0 \(bytes \d+–\d+\) shares its data with tile 3 of directory 0/,
    );
  });

  it('refuses offsets into another tile, swapped offsets and offsets past the end, naming the tile', async () => {
    const cases = [
      ['into-other', /tile 12 of directory 0 .* overlaps the data of tile 3 of directory 0/],
      ['swap-offsets', /overlaps the data of tile 12 of directory 0|tile 12 of directory 0 .* overlaps/],
      ['past-end', /^tile 12 of directory 0 points at bytes \d+–\d+, outside the file's \d+ bytes of data$/],
    ] as const;
    for (const [how, message] of cases) {
      const path = join(dir, `${how}.tif`);
      await writeScrambledTiff(path, { width: W, height: H, scramble: [{ tile: 12, with: 3, how }] });
      expect([how, await layoutError(path)]).toEqual([how, expect.stringMatching(message)]);
    }
  });

  it('refuses a directory that lists too few tiles and a damaged directory chain', async () => {
    const path = join(dir, 'intact-2.tif');
    await writeScrambledTiff(path, { width: W, height: H, scramble: [] });
    const layout = await readTiffDirectories(path);
    const bytes = readFileSync(path);
    // TileByteCounts' count field sits 4 bytes into its 12-byte entry; find the entry by its tag (325, LONG).
    const entry = bytes.indexOf(Buffer.from([0x45, 0x01, 0x04, 0x00]));
    bytes.writeUInt32LE(59, entry + 4);
    writeFileSync(join(dir, 'short.tif'), bytes);
    expect(await layoutError(join(dir, 'short.tif'))).toContain(
      'needs 60 tiles but lists 60 offsets and 59 byte counts',
    );
    const loop = readFileSync(path);
    // Point the first directory's "next" link at itself.
    const first = loop.readUInt32LE(4);
    const entries = loop.readUInt16LE(first);
    loop.writeUInt32LE(first, first + 2 + entries * 12);
    writeFileSync(join(dir, 'loop.tif'), loop);
    expect(await layoutError(join(dir, 'loop.tif'))).toContain('listed twice (a loop)');
    expect(layout.directories).toHaveLength(1);
  });
});

describe('scrambled TIFFs are refused at ingest and at open', () => {
  it('ingest answers SLIDE_CORRUPT naming the file and the tile, and writes nothing', async () => {
    const path = join(dir, 'slide-duplicate.tif');
    await writeScrambledTiff(path, {
      width: W,
      height: H,
      pyramid: true,
      scramble: [{ tile: 12, with: 3, how: 'duplicate' }],
    });
    const pyramidPath = join(dir, 'project', 'slides', 'sl_1', 'pyramid.tif');
    const err = await ingestSlide(path, { pyramidPath }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('SLIDE_CORRUPT');
    expect((err as ApiError).message).toMatch(
      /^slide-duplicate\.tif is corrupt: tile 12 of directory 0 .* shares its data/,
    );
    expect(existsSync(dirname(pyramidPath))).toBe(false);
  });

  it('a slide that was accepted before this check fails to open with SLIDE_CORRUPT instead of serving wrong pixels', async () => {
    const path = join(dir, 'slide-added-before.tif');
    await writeScrambledTiff(path, { width: W, height: H, scramble: [{ tile: 0, with: 1, how: 'duplicate' }] });
    const err = await loadSharpSlideSource(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as ApiError).code).toBe('SLIDE_CORRUPT');
  });

  it('a tile whose data does not decode is a SLIDE_CORRUPT read error, not a raw libvips error', async () => {
    const path = join(dir, 'bad-data.tif');
    await writeScrambledTiff(path, { width: W, height: H, compression: 'deflate', scramble: [] });
    const d = (await readTiffDirectories(path)).directories[0]!;
    const bytes = readFileSync(path);
    bytes.fill(0, d.offsets[12]!, d.offsets[12]! + d.byteCounts[12]!);
    writeFileSync(path, bytes);
    const source = await loadSharpSlideSource(path);
    const good = await source.readRegion({ level: 0, x: 768, y: 0, width: 256, height: 256 });
    expect(good.length).toBe(256 * 256);
    const err = await source.readRegion({ level: 0, x: 512, y: 256, width: 256, height: 256 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('SLIDE_CORRUPT');
    expect((err as ApiError).message).toContain('bad-data.tif: level 0 window 512,256 256×256 cannot be decoded');
  });
});
