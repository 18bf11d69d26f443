import { mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MAX_SLIDE_SECTIONS } from '@activeseg/protocol';
import sharp from 'sharp';
import { isSkippedDataFile } from '../data/data-file-name.js';
import { ApiError } from '../errors/api-error.js';
import { diskFullError, isDiskFull } from '../errors/disk-full.js';
import { commitFile, tempPathFor } from '../store/atomic-write.js';
import { loadSharpSlideSource } from './sharp-slide-source.js';
import type { SlideSource } from './slide-source.js';

export interface IngestSectionFolderOptions {
  /** Where the assembled stack is written (`ProjectPaths.pyramid(id)`): one tiled grey page per section. */
  stackPath: string;
  /** Over this many pixels per section → SLIDE_TOO_LARGE; 0 disables the check. */
  maxSlidePixels?: number;
  signal?: AbortSignal;
}

export interface IngestSectionFolderResult {
  readPath: string;
  name: string;
  source: SlideSource;
}

/**
 * The sections are assembled in memory before libvips writes them as one multi-page TIFF: a folder stack is meant
 * for section series such as ISBI's (tens of 512² to 4096² images), not for gigapixel volumes (use OME-Zarr).
 */
const MAX_FOLDER_STACK_BYTES = 1024 ** 3;

/**
 * Adds a folder of same-sized images (sorted by name, numbers in names compared as numbers; hidden files and
 * sidecars skipped) as one volume: each image, turned to 8-bit grey by the slide reader's one conversion, becomes
 * a section of a tiled multi-page TIFF under the project. Every file is checked before anything is written, so a
 * refused folder (an odd-sized section, a file that is not an image, too many sections) leaves nothing behind.
 */
export async function ingestSectionFolder(
  dir: string,
  options: IngestSectionFolderOptions,
): Promise<IngestSectionFolderResult> {
  const { stackPath, maxSlidePixels = 0, signal } = options;
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && !isSkippedDataFile(e.name))
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (names.length === 0) {
    throw new ApiError(
      'SLIDE_FILE_NOT_FOUND',
      `${dir} is a folder without image files (nor an OME-Zarr store)`,
      'path',
    );
  }
  if (names.length > MAX_SLIDE_SECTIONS) {
    throw new ApiError(
      'SLIDE_TOO_MANY_SECTIONS',
      `${dir} holds ${names.length} images, over the limit of ${MAX_SLIDE_SECTIONS} sections`,
      'path',
    );
  }
  const sources: SlideSource[] = [];
  for (const name of names) {
    signal?.throwIfAborted();
    const file = join(dir, name);
    const source = await loadSharpSlideSource(file, { limitInputPixels: maxSlidePixels || false }).catch(
      (err: unknown) => {
        if (err instanceof ApiError) throw err;
        throw new ApiError(
          'SLIDE_UNSUPPORTED_FORMAT',
          `${file}: not an image libvips can read (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
          'path',
        );
      },
    );
    const first = sources[0];
    if (first && (source.width !== first.width || source.height !== first.height)) {
      throw new ApiError(
        'SLIDE_SECTIONS_MISMATCH',
        `${file} is ${source.width}×${source.height} but ${join(dir, names[0]!)} is ${first.width}×${first.height}; every section of a stack must have the same size`,
        'path',
      );
    }
    sources.push(source);
  }
  const { width, height } = sources[0]!;
  if (maxSlidePixels > 0 && width * height > maxSlidePixels) {
    throw new ApiError('SLIDE_TOO_LARGE', `${dir}: sections of ${width}×${height} are over the pixel limit`, 'path');
  }
  if (width * height * sources.length > MAX_FOLDER_STACK_BYTES) {
    throw new ApiError(
      'SLIDE_TOO_LARGE',
      `${dir}: ${sources.length} sections of ${width}×${height} are over the ${MAX_FOLDER_STACK_BYTES} pixels a folder stack may have; write the volume as an OME-Zarr instead`,
      'path',
    );
  }
  const plane = width * height;
  const pixels = Buffer.alloc(plane * sources.length);
  for (const [z, source] of sources.entries()) {
    const grey = await source
      .readRegion({ level: 0, x: 0, y: 0, width, height, ...(signal ? { signal } : {}) })
      .catch((err: unknown) => {
        if (err instanceof ApiError) throw new ApiError(err.code, `${join(dir, names[z]!)}: ${err.message}`, 'path');
        throw err;
      });
    pixels.set(grey, z * plane);
  }
  await mkdir(dirname(stackPath), { recursive: true });
  const tmp = tempPathFor(stackPath);
  try {
    await sharp(pixels, { raw: { width, height: height * sources.length, channels: 1, pageHeight: height } })
      .toColourspace('b-w')
      .tiff({ compression: 'deflate', tile: true, tileWidth: 256, tileHeight: 256, bigtiff: true })
      .toFile(tmp);
    await commitFile(tmp, stackPath);
  } catch (err) {
    await rm(tmp, { force: true });
    await rmdir(dirname(stackPath)).catch(() => {});
    if (isDiskFull(err)) throw diskFullError();
    throw err;
  }
  const source = await loadSharpSlideSource(stackPath);
  return { readPath: stackPath, name: basename(dir), source };
}
