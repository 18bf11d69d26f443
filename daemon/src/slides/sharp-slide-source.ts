import sharp from 'sharp';
import { ApiError } from '../project/api-error.js';
import { assertWindowInside, levelCount, type ReadRegionRequest, type SlideSource } from './slide-source.js';

export interface LoadSharpSlideSourceOptions {
  /** sharp's limitInputPixels; 0 or false disables the guard (needed for gigapixel slides). */
  limitInputPixels?: number | false;
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
  const width = meta.width;
  const height = meta.height;
  const pages: Page[] = [{ index: 0, width, height }];
  // A pyramidal TIFF stores each level as a page of half the size of the previous one; any other multi-page
  // file (a stack, an OME series) is read from page 0 only.
  if (meta.format === 'tiff' && (meta.pages ?? 1) > 1) {
    for (let index = 1; index < (meta.pages ?? 1); index++) {
      const m = await sharp(path, { page: index, limitInputPixels }).metadata();
      const prev = pages.at(-1)!;
      if (!m.width || !m.height || Math.abs(m.width - prev.width / 2) > 1 || Math.abs(m.height - prev.height / 2) > 1)
        break;
      pages.push({ index, width: m.width, height: m.height });
    }
  }
  // OME-TIFF writers (Bio-Formats, bfconvert, tifffile) store the pyramid as SubIFDs of page 0 instead.
  if (meta.format === 'tiff' && pages.length === 1 && (meta.subifds ?? 0) > 0) {
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
    async readRegion(req: ReadRegionRequest): Promise<Uint8Array> {
      const { level, x, y, width: w, height: h, signal } = req;
      signal?.throwIfAborted();
      assertWindowInside({ width, height }, req);
      const down = 2 ** level;
      // Deepest page that is still at least as detailed as the requested level.
      const page = pages[Math.min(level, pages.length - 1)]!;
      const sx = page.width / width;
      const sy = page.height / height;
      const left = Math.min(page.width - 1, Math.floor(x * down * sx));
      const top = Math.min(page.height - 1, Math.floor(y * down * sy));
      const right = Math.max(left + 1, Math.min(page.width, Math.ceil((x + w) * down * sx)));
      const bottom = Math.max(top + 1, Math.min(page.height, Math.ceil((y + h) * down * sy)));
      const at = page.subifd === undefined ? { page: page.index } : { subifd: page.subifd };
      let pipeline = sharp(path, { ...at, limitInputPixels })
        .extract({ left, top, width: right - left, height: bottom - top })
        .removeAlpha()
        .toColourspace('b-w');
      if (right - left !== w || bottom - top !== h) pipeline = pipeline.resize(w, h, { fit: 'fill' });
      const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
      signal?.throwIfAborted();
      if (info.channels !== 1 || info.width !== w || info.height !== h || data.length !== w * h) {
        throw new Error(`unexpected decode ${info.width}×${info.height}×${info.channels} for ${w}×${h} grey`);
      }
      return new Uint8Array(data.buffer, data.byteOffset, data.length);
    },
  };
}
