import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '@activeseg/shared';
import sharp from 'sharp';
import { type TileScramble, writeScrambledTiff } from '../../../daemon/src/testing/write-scrambled-tiff.js';
import { pngWithHeader } from './fuzz-cases.js';

export type BadKind =
  | 'valid'
  | 'zero-byte'
  | 'truncated'
  | 'corrupt-header'
  | 'corrupt-body'
  | 'huge-header'
  | 'wrong-extension'
  | 'not-an-image'
  | 'scrambled-tiles';

export interface SlideFileCase {
  name: string;
  format: string;
  kind: BadKind;
  path: string;
  /** Codes that count as a correct answer (201 = accepted). */
  expect: readonly string[];
}

export const SLIDE_FORMATS = ['png', 'jpeg', 'webp', 'tiff', 'tiff-pyramid', 'gif'] as const;

async function encode(source: string, format: (typeof SLIDE_FORMATS)[number]): Promise<Buffer> {
  const img = sharp(source).extract({ left: 0, top: 0, width: 600, height: 400 }).greyscale();
  switch (format) {
    case 'png':
      return img.png().toBuffer();
    case 'jpeg':
      return img.jpeg({ quality: 80 }).toBuffer();
    case 'webp':
      return img.webp({ quality: 80 }).toBuffer();
    case 'tiff':
      return img.tiff({ compression: 'lzw' }).toBuffer();
    case 'tiff-pyramid':
      return img.tiff({ tile: true, tileWidth: 256, tileHeight: 256, pyramid: true, compression: 'jpeg' }).toBuffer();
    case 'gif':
      return img.gif().toBuffer();
  }
}

/** A minimal little-endian TIFF whose IFD claims width × height 8-bit grey in one strip of 16 bytes. */
function tiffWithHeader(width: number, height: number): Buffer {
  const entries: [number, number, number, number][] = [
    [256, 4, 1, width], // ImageWidth (LONG)
    [257, 4, 1, height], // ImageLength
    [258, 3, 1, 8], // BitsPerSample
    [259, 3, 1, 1], // Compression: none
    [262, 3, 1, 1], // Photometric: BlackIsZero
    [273, 4, 1, 8 + 2 + entries_len() * 12 + 4], // StripOffsets
    [277, 3, 1, 1], // SamplesPerPixel
    [278, 4, 1, height], // RowsPerStrip
    [279, 4, 1, 16], // StripByteCounts
  ];
  function entries_len() {
    return 9;
  }
  const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
  ifd.writeUInt16LE(entries.length, 0);
  entries.forEach(([tag, type, count, value], i) => {
    const o = 2 + i * 12;
    ifd.writeUInt16LE(tag, o);
    ifd.writeUInt16LE(type, o + 2);
    ifd.writeUInt32LE(count, o + 4);
    if (type === 3) ifd.writeUInt16LE(value, o + 8);
    else ifd.writeUInt32LE(value, o + 8);
  });
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]);
  return Buffer.concat([header, ifd, Buffer.alloc(16, 0x80)]);
}

/** A baseline JPEG header (SOI, DQT, SOF0 claiming width × height, DHT-less) followed by garbage and EOI. */
function jpegWithHeader(valid: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(valid);
  // Patch the first SOF0/SOF2 frame header's dimensions in place.
  for (let i = 2; i < out.length - 9; i++) {
    if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
  }
  throw new Error('no SOF marker');
}

/** A WebP whose VP8X chunk claims a canvas of width × height. */
function webpWithHeader(width: number, height: number): Buffer {
  const vp8x = Buffer.alloc(10);
  vp8x.writeUIntLE(width - 1, 4, 3);
  vp8x.writeUIntLE(height - 1, 7, 3);
  const chunk = Buffer.concat([Buffer.from('VP8X'), Buffer.from([10, 0, 0, 0]), vp8x]);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0);
  riff.writeUInt32LE(4 + chunk.length, 4);
  riff.write('WEBP', 8);
  return Buffer.concat([riff, chunk]);
}

/**
 * Writes the bad (and a few good) slide files for every supported format into `dir`. Expected codes: a file that
 * is cut short or damaged is SLIDE_CORRUPT, one that is not an image is SLIDE_UNSUPPORTED_FORMAT, an empty one is
 * either, a header claiming 10^10 pixels is SLIDE_TOO_LARGE under a pixel limit (SLIDE_CORRUPT without one, as its
 * data is missing), and a valid image under the wrong extension is accepted (libvips sniffs the content).
 */
export async function writeSlideFileCases(
  dir: string,
  source: string,
  options: { pixelLimit: boolean },
): Promise<SlideFileCase[]> {
  const rng = createRng(7);
  const cases: SlideFileCase[] = [];
  const add = (name: string, format: string, kind: BadKind, data: Buffer, expect: readonly string[]) => {
    const path = join(dir, name);
    writeFileSync(path, data);
    cases.push({ name, format, kind, path, expect });
  };
  const corrupt = ['SLIDE_CORRUPT'];
  const empty = ['SLIDE_CORRUPT', 'SLIDE_UNSUPPORTED_FORMAT'];
  const huge = options.pixelLimit ? ['SLIDE_TOO_LARGE'] : ['SLIDE_CORRUPT'];
  const ext: Record<string, string> = {
    png: 'png',
    jpeg: 'jpg',
    webp: 'webp',
    tiff: 'tif',
    'tiff-pyramid': 'tiff',
    gif: 'gif',
  };
  for (const format of SLIDE_FORMATS) {
    const good = await encode(source, format);
    const e = ext[format]!;
    add(`valid-${format}.${e}`, format, 'valid', good, ['201']);
    add(`zero-${format}.${e}`, format, 'zero-byte', Buffer.alloc(0), empty);
    for (const frac of [0.1, 0.5, 0.9]) {
      add(
        `truncated${frac * 100}-${format}.${e}`,
        format,
        'truncated',
        good.subarray(0, Math.floor(good.length * frac)),
        corrupt,
      );
    }
    // Damage where the structure lives: TIFF's first directory (its offset is in bytes 4–7), else bytes 12–160.
    const headerHit = Buffer.from(good);
    const from = format.startsWith('tiff') ? headerHit.readUInt32LE(4) : 12;
    for (let i = from; i < Math.min(headerHit.length, from + 148); i++) headerHit[i] = rng.int(256);
    // Decoders tolerate some damage (a GIF palette, JPEG tables); such a file decodes and is a (garbled) slide.
    add(`corrupt-header-${format}.${e}`, format, 'corrupt-header', headerHit, [
      ...corrupt,
      'SLIDE_UNSUPPORTED_FORMAT',
      '201',
    ]);
    const bodyHit = Buffer.from(good);
    for (let i = Math.floor(bodyHit.length / 2); i < Math.floor(bodyHit.length / 2) + 64; i++)
      bodyHit[i] = rng.int(256);
    add(`corrupt-body-${format}.${e}`, format, 'corrupt-body', bodyHit, [...corrupt, '201']);
    const wrong = format === 'png' ? 'jpg' : 'png';
    add(`wrong-ext-${format}.${wrong}`, format, 'wrong-extension', good, ['201']);
    add(`text-as-${format}.${e}`, format, 'not-an-image', Buffer.from('this is not an image\n'.repeat(50)), [
      'SLIDE_UNSUPPORTED_FORMAT',
    ]);
  }
  add('huge-header.png', 'png', 'huge-header', Buffer.from(pngWithHeader(100_000, 100_000), 'base64'), huge);
  add('huge-header.tif', 'tiff', 'huge-header', tiffWithHeader(100_000, 100_000), huge);
  const jpeg = await encode(source, 'jpeg');
  add('huge-header.jpg', 'jpeg', 'huge-header', jpegWithHeader(jpeg, 65_000, 65_000), huge);
  // libwebp will not read a VP8X canvas without image data, so with a pixel limit it is refused as corrupt.
  add('huge-header.webp', 'webp', 'huge-header', webpWithHeader(100_000, 100_000), [...huge, 'SLIDE_CORRUPT']);
  // Tiled TIFFs (2560 × 1536, 60 tiles of 256²) whose tile tables are damaged: libvips opens them, and a tile that
  // shares another's data decodes cleanly into the wrong pixels, so only the table check can refuse them.
  const scrambles: [TileScramble, boolean][] = [
    ['duplicate', false],
    ['duplicate', true],
    ['into-other', true],
    ['swap-offsets', false],
    ['past-end', true],
  ];
  for (const [how, pyramid] of scrambles) {
    const name = `scrambled-${how}${pyramid ? '-pyramid' : ''}.tif`;
    const path = join(dir, name);
    await writeScrambledTiff(path, {
      width: 2560,
      height: 1536,
      pyramid,
      compression: pyramid ? 'jpeg' : 'lzw',
      scramble: [{ tile: 12, with: 3, how }],
    });
    cases.push({ name, format: pyramid ? 'tiff-pyramid' : 'tiff', kind: 'scrambled-tiles', path, expect: corrupt });
  }
  return cases;
}
