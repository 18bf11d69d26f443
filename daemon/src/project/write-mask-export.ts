import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import type { Store } from '../store/db.js';
import type { SlideRecord } from '../store/slides-repo.js';
import type { ProjectPaths } from './project-paths.js';

export interface WriteMaskExportOptions {
  /** `mask`: 255 where an annotation says myelin; `annotated`: 255 wherever any annotation labelled the pixel. */
  kind: 'mask' | 'annotated';
  /** PNG (one strip, small slides) or tiled, deflate-compressed TIFF (any size; BigTIFF past 2^31 pixels). */
  format: 'png' | 'tiff';
}

export interface WriteMaskExportResult {
  bytes: number;
  annotations: number;
}

/**
 * Writes a full-size 8-bit single-channel image of a slide's annotations to `path`. Nothing full-size is ever held in
 * memory: libvips composites the stored region masks (oldest first, so later annotations win, as `loadPatchLabels`
 * assembles training labels) onto a lazily generated black canvas, and the writer pulls it through strip by strip,
 * decoding only the masks that intersect each strip. Pixels no annotation covers are 0 in both kinds.
 */
export async function writeMaskExport(
  deps: { store: Store; paths: ProjectPaths },
  slide: SlideRecord,
  path: string,
  options: WriteMaskExportOptions,
): Promise<WriteMaskExportResult> {
  const annotations = deps.store.annotations.listBySlide(slide.id);
  const white = { r: 255, g: 255, b: 255 };
  const overlays: OverlayOptions[] = annotations.map((a) =>
    options.kind === 'mask'
      ? { input: deps.paths.fromStored(a.maskPath), left: a.x, top: a.y, limitInputPixels: false }
      : {
          input: { create: { width: a.width, height: a.height, channels: 3, background: white } },
          left: a.x,
          top: a.y,
        },
  );
  // sharp creates 3- or 4-channel canvases only; every channel carries the same grey, so channel 0 is the answer.
  const pipeline = sharp({
    create: { width: slide.width, height: slide.height, channels: 3, background: { r: 0, g: 0, b: 0 } },
    limitInputPixels: false,
  })
    .composite(overlays)
    .extractChannel(0);
  await mkdir(dirname(path), { recursive: true });
  try {
    if (options.format === 'png') {
      await pipeline.png({ compressionLevel: 6 }).toFile(path);
    } else {
      await pipeline
        .tiff({
          tile: true,
          tileWidth: 256,
          tileHeight: 256,
          compression: 'deflate',
          predictor: 'horizontal',
          bigtiff: slide.width * slide.height > 2 ** 31,
        })
        .toFile(path);
    }
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
  return { bytes: (await stat(path)).size, annotations: annotations.length };
}
