import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { ApiError } from '../project/api-error.js';
import { commitFile, tempPathFor } from '../store/atomic-write.js';
import { loadSharpSlideSource } from './sharp-slide-source.js';
import type { SlideSource } from './slide-source.js';

export interface IngestSlideOptions {
  /** Where a converted pyramid goes if one is needed (`ProjectPaths.pyramid(id)`). */
  pyramidPath: string;
  /** sharp's limitInputPixels; 0 disables it. Over the limit → SLIDE_TOO_LARGE. */
  maxSlidePixels?: number;
  /** Non-TIFF inputs with more pixels than this are converted to a tiled pyramidal TIFF. */
  convertAbovePixels?: number;
  signal?: AbortSignal;
}

export interface IngestSlideResult {
  /** The file the daemon will read from now on: the input itself or the converted pyramid. */
  readPath: string;
  converted: boolean;
  name: string;
  source: SlideSource;
}

/**
 * Validates an image file by opening it with libvips, and decides how it will be read. Clear protocol errors
 * for missing, unknown, corrupt/truncated and oversized inputs. Large inputs that cannot be read by window
 * (PNG, JPEG, …) are converted once to a tiled, pyramidal, JPEG-compressed BigTIFF under the project.
 */
export async function ingestSlide(path: string, options: IngestSlideOptions): Promise<IngestSlideResult> {
  const { pyramidPath, maxSlidePixels = 0, convertAbovePixels = 64 * 1024 * 1024, signal } = options;
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) throw new ApiError('SLIDE_FILE_NOT_FOUND', `no readable file at ${path}`, 'path');

  const limitInputPixels = maxSlidePixels === 0 ? false : maxSlidePixels;
  let meta: Metadata;
  try {
    meta = await sharp(path, { limitInputPixels }).metadata();
  } catch (err) {
    throw classifySharpError(err, path);
  }
  if (!meta.width || !meta.height || !meta.format) {
    throw new ApiError('SLIDE_CORRUPT', `${basename(path)}: the image header has no dimensions`, 'path');
  }
  const pixels = meta.width * meta.height;
  if (maxSlidePixels > 0 && pixels > maxSlidePixels) {
    throw new ApiError(
      'SLIDE_TOO_LARGE',
      `${basename(path)} has ${pixels} pixels, over the limit of ${maxSlidePixels}`,
      'path',
    );
  }
  signal?.throwIfAborted();

  const convert = meta.format !== 'tiff' && pixels > convertAbovePixels;
  let readPath = path;
  if (convert) {
    await mkdir(dirname(pyramidPath), { recursive: true });
    const tmp = tempPathFor(pyramidPath);
    try {
      // The conversion decodes every pixel, so it also catches truncation anywhere in the file.
      await sharp(path, { limitInputPixels, failOn: 'truncated' })
        .removeAlpha()
        .toColourspace('b-w')
        .tiff({
          tile: true,
          tileWidth: 256,
          tileHeight: 256,
          pyramid: true,
          bigtiff: true,
          compression: 'jpeg',
          quality: 90,
        })
        .toFile(tmp);
      await commitFile(tmp, pyramidPath);
    } catch (err) {
      await rm(tmp, { force: true });
      throw classifySharpError(err, path);
    }
    readPath = pyramidPath;
  } else {
    // Small or window-readable inputs: decode the last rows now, so a truncated file fails at ingest
    // instead of at the first tile request. (Untiled formats decode from the start up to that row.)
    try {
      await sharp(path, { limitInputPixels, failOn: 'truncated' })
        .extract({ left: 0, top: meta.height - 1, width: meta.width, height: 1 })
        .raw()
        .toBuffer();
    } catch (err) {
      throw classifySharpError(err, path);
    }
  }

  let source: SlideSource;
  try {
    source = await loadSharpSlideSource(readPath, { limitInputPixels });
  } catch (err) {
    throw classifySharpError(err, path);
  }
  return { readPath, converted: convert, name: basename(path), source };
}

function classifySharpError(err: unknown, path: string): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const file = basename(path);
  if (/unsupported image format/i.test(message)) {
    return new ApiError('SLIDE_UNSUPPORTED_FORMAT', `${file}: not an image format libvips can read`, 'path');
  }
  if (/pixel limit/i.test(message)) {
    return new ApiError('SLIDE_TOO_LARGE', `${file}: ${message}`, 'path');
  }
  if (/missing/i.test(message)) {
    return new ApiError('SLIDE_FILE_NOT_FOUND', `no readable file at ${path}`, 'path');
  }
  return new ApiError('SLIDE_CORRUPT', `${file} is corrupt or truncated: ${message}`, 'path');
}
