import { mkdir, open, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { PixelSize } from '@activeseg/protocol';
import sharp, { type Metadata } from 'sharp';
import { ApiError } from '../errors/api-error.js';
import { diskFullError, isDiskFull } from '../errors/disk-full.js';
import { commitFile, tempPathFor } from '../store/atomic-write.js';
import { checkTiffLayout, TiffLayoutError } from './check-tiff-layout.js';
import { ingestOmeZarr, isZarrStore } from './ingest-ome-zarr.js';
import { ingestSectionFolder } from './ingest-section-folder.js';
import { readOmeTiffPixelSize } from './ome-tiff-metadata.js';
import { pyramidTiffOptions } from './pyramid-tiff.js';
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
  /** Level-0 pixel size from the file's OME metadata, when it has one. */
  pixelSize?: PixelSize | undefined;
  /** How the slide is read differently from what the file claims (missing chunks, …). */
  warnings?: string[];
}

/**
 * Validates an image file by opening it with libvips, and decides how it will be read. Clear protocol errors
 * for missing, unknown, corrupt/truncated and oversized inputs. Large inputs that cannot be read by window
 * (PNG, JPEG, …) are converted once to a tiled, pyramidal, JPEG-compressed BigTIFF under the project.
 */
export async function ingestSlide(path: string, options: IngestSlideOptions): Promise<IngestSlideResult> {
  const { pyramidPath, maxSlidePixels = 0, convertAbovePixels = 64 * 1024 * 1024, signal } = options;
  const st = await stat(path).catch(() => undefined);
  // A directory with Zarr metadata is an OME-Zarr store, read in place (its own pyramid serves the tiles).
  if (st?.isDirectory() && (await isZarrStore(path))) {
    const zarr = await ingestOmeZarr(path, { maxSlidePixels, ...(signal ? { signal } : {}) });
    return { readPath: path, converted: false, ...zarr, pixelSize: zarr.source.pixelSize };
  }
  // Any other directory is a stack of same-sized sections, assembled into one multi-page TIFF.
  if (st?.isDirectory()) {
    const stack = await ingestSectionFolder(path, {
      stackPath: pyramidPath,
      maxSlidePixels,
      ...(signal ? { signal } : {}),
    });
    return { ...stack, converted: true };
  }
  if (!st?.isFile())
    throw new ApiError('SLIDE_FILE_NOT_FOUND', `no readable file or OME-Zarr store at ${path}`, 'path');

  const limitInputPixels = maxSlidePixels === 0 ? false : maxSlidePixels;
  let meta: Metadata;
  try {
    meta = await sharp(path, { limitInputPixels }).metadata();
  } catch (err) {
    throw await classifySharpError(err, path);
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
  // No codec packs real pixels denser than ~1 400 per byte (deflate tops out near 1 032:1, LZW near 1 365:1, JPEG
  // far lower), so a header claiming 100 000 px per byte of file is a forged or cut-off file. Caught here, it fails
  // in microseconds instead of decoding (and converting) billions of made-up pixels for minutes.
  if (pixels / Math.max(1, st.size) > MAX_PIXELS_PER_BYTE) {
    throw new ApiError(
      'SLIDE_CORRUPT',
      `${basename(path)}: the header claims ${meta.width}×${meta.height} pixels but the file has only ${st.size} bytes`,
      'path',
    );
  }
  signal?.throwIfAborted();
  // Before any pixel is decoded: a scrambled tile table decodes into wrong pixels without an error.
  if (meta.format === 'tiff') await assertTiffLayout(path, basename(path));

  const convert = meta.format !== 'tiff' && pixels > convertAbovePixels;
  let readPath = path;
  if (convert) {
    await mkdir(dirname(pyramidPath), { recursive: true });
    const tmp = tempPathFor(pyramidPath);
    try {
      // The conversion decodes every pixel, so it also catches truncation anywhere in the file.
      // Colour stays colour (8-bit): the slide reader turns it into grey with the same conversion as readImage
      // (`toGrey`), never libvips' linear-light `b-w`.
      const colour = (meta.channels ?? 1) - (meta.hasAlpha ? 1 : 0) >= 3;
      await sharp(path, { limitInputPixels, failOn: 'truncated' })
        .removeAlpha()
        .toColourspace(colour ? 'srgb' : 'b-w')
        .tiff(pyramidTiffOptions('jpeg', 90))
        .toFile(tmp);
      // The pyramid we wrote is checked like any input before it replaces anything (a torn write, a libvips bug).
      await assertTiffLayout(tmp, basename(path));
      await commitFile(tmp, pyramidPath);
    } catch (err) {
      await rm(tmp, { force: true });
      // The pyramid's folder is new for this slide id: leave no empty folder behind a refused slide.
      await rmdir(dirname(pyramidPath)).catch(() => {});
      throw await classifySharpError(err, path);
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
      // Pyramid pages serve the zoomed-out levels: a file cut inside them passes the check above but would fail
      // at the first low-zoom tile. Their last rows are small (each page halves), so check every page.
      for (let page = 1; page < (meta.pages ?? 1); page++) {
        const m = await sharp(path, { page, limitInputPixels }).metadata();
        if (!m.width || !m.height) throw new Error(`page ${page} has no dimensions`);
        await sharp(path, { page, limitInputPixels, failOn: 'truncated' })
          .extract({ left: 0, top: m.height - 1, width: m.width, height: 1 })
          .raw()
          .toBuffer();
      }
    } catch (err) {
      throw await classifySharpError(err, path);
    }
  }

  let source: SlideSource;
  try {
    // Every TIFF read from here on (the input, or the pyramid we wrote) had its layout checked above.
    source = await loadSharpSlideSource(readPath, { limitInputPixels, layoutChecked: true });
  } catch (err) {
    throw await classifySharpError(err, path);
  }
  const pixelSize = meta.format === 'tiff' ? await readOmeTiffPixelSize(path) : undefined;
  return { readPath, converted: convert, name: basename(path), source, pixelSize };
}

const MAX_PIXELS_PER_BYTE = 100_000;

/** `checkTiffLayout` as the protocol error ingest answers with, naming the file the user gave. */
async function assertTiffLayout(path: string, name: string): Promise<void> {
  try {
    await checkTiffLayout(path);
  } catch (err) {
    if (err instanceof TiffLayoutError)
      throw new ApiError('SLIDE_CORRUPT', `${name} is corrupt: ${err.message}`, 'path');
    throw err;
  }
}

/** File signatures of the formats the daemon reads (a file that starts like one but fails to open is corrupt). */
const MAGIC: readonly (readonly number[])[] = [
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0xff, 0xd8, 0xff], // JPEG
  [0x49, 0x49, 0x2a, 0x00], // TIFF, little-endian
  [0x4d, 0x4d, 0x00, 0x2a], // TIFF, big-endian
  [0x49, 0x49, 0x2b, 0x00], // BigTIFF, little-endian
  [0x4d, 0x4d, 0x00, 0x2b], // BigTIFF, big-endian
  [0x47, 0x49, 0x46, 0x38], // GIF
];

async function hasKnownSignature(path: string): Promise<boolean> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return false;
  try {
    const head = Buffer.alloc(12);
    const { bytesRead } = await fh.read(head, 0, 12, 0);
    const b = head.subarray(0, bytesRead);
    if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return true;
    return MAGIC.some((m) => b.length >= m.length && m.every((v, i) => b[i] === v));
  } finally {
    await fh.close();
  }
}

async function classifySharpError(err: unknown, path: string): Promise<ApiError> {
  if (err instanceof ApiError) return err;
  // A pyramid conversion that runs out of space is not the file's fault.
  if (isDiskFull(err)) return diskFullError();
  const message = err instanceof Error ? err.message : String(err);
  const file = basename(path);
  // libvips says "unsupported image format" whenever no loader accepts the file, e.g. a TIFF cut before its
  // directory; if the file starts like a format we read, it is a damaged file, not an unknown format.
  if (/unsupported image format/i.test(message) && (await hasKnownSignature(path))) {
    return new ApiError('SLIDE_CORRUPT', `${file} is corrupt or truncated: ${message}`, 'path');
  }
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
