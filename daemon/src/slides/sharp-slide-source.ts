import { basename } from 'node:path';
import { MAX_SLIDE_SECTIONS } from '@activeseg/protocol';
import { scaleTo8Bit } from '@activeseg/shared';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { decodeGrey } from '../data/decode-grey.js';
import { ApiError } from '../errors/api-error.js';
import { checkTiffLayout, TiffLayoutError } from './check-tiff-layout.js';
import { assertWindowInside, levelCount, type ReadRegionRequest, type SlideSource } from './slide-source.js';

export interface LoadSharpSlideSourceOptions {
  /** sharp's limitInputPixels; 0 or false disables the guard (needed for gigapixel slides). */
  limitInputPixels?: number | false;
  /** The caller ran `checkTiffLayout` on this file just now (ingest): skip the second walk of a large tile table. */
  layoutChecked?: boolean;
}

interface Page {
  index: number;
  /** Set for an OME-TIFF pyramid level stored as a SubIFD of page 0. */
  subifd?: number;
  width: number;
  height: number;
}

/**
 * A SlideSource over any file libvips opens. For tiled (pyramidal) TIFF/BigTIFF, `extract` decodes only the
 * tiles under the window, and each pyramid page is used for the levels it covers, so no read touches the
 * whole image (OME-TIFF SubIFD pyramids likewise). Untiled formats (PNG, JPEG) are decoded per read: ingest converts big ones to a pyramid first.
 */
export async function loadSharpSlideSource(
  path: string,
  options: LoadSharpSlideSourceOptions = {},
): Promise<SlideSource> {
  const limitInputPixels = options.limitInputPixels === 0 ? false : (options.limitInputPixels ?? false);
  const meta = await sharp(path, { limitInputPixels }).metadata();
  if (!meta.width || !meta.height || !meta.format) {
    throw new ApiError('SLIDE_CORRUPT', `cannot read image dimensions of ${path}`);
  }
  if (meta.format === 'tiff' && !options.layoutChecked) {
    // Also at every open, not only at ingest: a slide added before this check, or a file changed since, must not
    // serve another tile's pixels.
    await checkTiffLayout(path).catch((err: unknown) => {
      if (err instanceof TiffLayoutError)
        throw new ApiError('SLIDE_CORRUPT', `${basename(path)} is corrupt: ${err.message}`);
      throw err;
    });
  }
  const width = meta.width;
  const height = meta.height;
  const channels = meta.channels ?? 1;
  const hasAlpha = meta.hasAlpha ?? false;
  const pages: Page[] = [{ index: 0, width, height }];
  // A multi-page TIFF whose second page has the first one's size is a stack of sections (a volume); one whose pages
  // halve is a pyramid; any other (an OME series with a thumbnail) is read from page 0 only.
  const sections = meta.format === 'tiff' ? await stackSections(path, meta, limitInputPixels) : 1;
  if (sections === 1 && meta.format === 'tiff' && (meta.pages ?? 1) > 1) {
    for (let index = 1; index < (meta.pages ?? 1); index++) {
      const m = await sharp(path, { page: index, limitInputPixels }).metadata();
      const prev = pages.at(-1)!;
      if (!m.width || !m.height || Math.abs(m.width - prev.width / 2) > 1 || Math.abs(m.height - prev.height / 2) > 1)
        break;
      pages.push({ index, width: m.width, height: m.height });
    }
  }
  // OME-TIFF writers (Bio-Formats, bfconvert, tifffile) store the pyramid as SubIFDs of page 0 instead.
  if (sections === 1 && meta.format === 'tiff' && pages.length === 1 && (meta.subifds ?? 0) > 0) {
    for (let subifd = 0; subifd < (meta.subifds ?? 0); subifd++) {
      const m = await sharp(path, { subifd, limitInputPixels }).metadata();
      const prev = pages.at(-1)!;
      if (!m.width || !m.height || Math.abs(m.width - prev.width / 2) > 1 || Math.abs(m.height - prev.height / 2) > 1)
        break;
      pages.push({ index: 0, subifd, width: m.width, height: m.height });
    }
  }
  // sharp does not expose the TIFF tile size; pyramids written by ingest use 256.
  const tileSize = 256;

  return {
    width,
    height,
    tileSize,
    levels: levelCount(width, height, 256),
    format: meta.format,
    sections,
    async readRegion(req: ReadRegionRequest): Promise<Uint8Array> {
      const { level, x, y, width: w, height: h, signal, z = 0 } = req;
      signal?.throwIfAborted();
      assertWindowInside({ width, height, sections }, req);
      const down = 2 ** level;
      // Deepest page that is still at least as detailed as the requested level; a stack's section z is page z, read
      // at full resolution (its pages are sections, not levels).
      const page = sections > 1 ? { index: z, width, height } : pages[Math.min(level, pages.length - 1)]!;
      const sx = page.width / width;
      const sy = page.height / height;
      const left = Math.min(page.width - 1, Math.floor(x * down * sx));
      const top = Math.min(page.height - 1, Math.floor(y * down * sy));
      const right = Math.max(left + 1, Math.min(page.width, Math.ceil((x + w) * down * sx)));
      const bottom = Math.max(top + 1, Math.min(page.height, Math.ceil((y + h) * down * sy)));
      const at = page.subifd === undefined ? { page: page.index } : { subifd: page.subifd };
      const window = sharp(path, { ...at, limitInputPixels }).extract({
        left,
        top,
        width: right - left,
        height: bottom - top,
      });
      let grey = await readGrey8(window, { depth: meta.depth, channels, hasAlpha }).catch((err: unknown) => {
        // A window that does not decode (a damaged tile or strip) is the file's fault: a protocol error per read,
        // so a tile answers 422 and an infer job skips that patch instead of failing as INTERNAL.
        throw new ApiError(
          'SLIDE_CORRUPT',
          `${basename(path)}: level ${level} window ${x},${y} ${w}×${h} cannot be decoded (${firstLine(err)})`,
        );
      });
      if (grey.width !== w || grey.height !== h) {
        const { data, info } = await sharp(grey.data, { raw: { width: grey.width, height: grey.height, channels: 1 } })
          .resize(w, h, { fit: 'fill' })
          .toColourspace('b-w') // keeps the one band: sharp's default output space would expand it to sRGB
          .raw()
          .toBuffer({ resolveWithObject: true });
        grey = { data: new Uint8Array(data.buffer, data.byteOffset, data.length), ...info };
      }
      signal?.throwIfAborted();
      if (grey.width !== w || grey.height !== h || grey.data.length !== w * h) {
        throw new Error(
          `unexpected decode ${grey.width}×${grey.height} (${grey.data.length} bytes) for ${w}×${h} grey`,
        );
      }
      return grey.data;
    },
  };
}

/**
 * Sections of a multi-page TIFF: its page count when page 1 has page 0's size (a stack), else 1. A stack whose later
 * pages differ in size is refused (SLIDE_SECTIONS_MISMATCH naming the page), as is one with more pages than
 * MAX_SLIDE_SECTIONS; libvips checks every page's size in one pass when asked for all pages at once.
 */
async function stackSections(path: string, meta: Metadata, limitInputPixels: number | false): Promise<number> {
  const count = meta.pages ?? 1;
  if (count < 2) return 1;
  const second = await sharp(path, { page: 1, limitInputPixels }).metadata();
  if (second.width !== meta.width || second.height !== meta.height) return 1;
  if (count > MAX_SLIDE_SECTIONS) {
    throw new ApiError(
      'SLIDE_TOO_MANY_SECTIONS',
      `${basename(path)} has ${count} pages of ${meta.width}×${meta.height}, over the limit of ${MAX_SLIDE_SECTIONS} sections`,
      'path',
    );
  }
  try {
    await sharp(path, { pages: -1, limitInputPixels: false }).metadata();
  } catch (err) {
    const odd = /page (\d+) differs/.exec(firstLine(err));
    if (!odd) throw err;
    const page = Number(odd[1]);
    const m = await sharp(path, { page, limitInputPixels }).metadata();
    throw new ApiError(
      'SLIDE_SECTIONS_MISMATCH',
      `${basename(path)}: page ${page} is ${m.width}×${m.height} but page 0 is ${meta.width}×${meta.height}; every section of a stack must have the same size`,
      'path',
    );
  }
  return count;
}

interface Grey8 {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A window as 8-bit grey: the one colour-to-grey conversion (shared with readImage), 16-bit shown as round(v / 257). */
async function readGrey8(
  window: Sharp,
  format: { depth: string | undefined; channels: number; hasAlpha: boolean },
): Promise<Grey8> {
  const { depth, channels, hasAlpha } = format;
  if (depth === 'uchar' || depth === 'ushort') {
    const g = await decodeGrey(window, { depth, channels, hasAlpha });
    return { data: g.data instanceof Uint16Array ? scaleTo8Bit(g.data) : g.data, width: g.width, height: g.height };
  }
  // Float, signed or 32-bit slides have no stored-value range to apply BT.601 and the 8-bit scale to: libvips casts.
  const { data, info } = await window.removeAlpha().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}
