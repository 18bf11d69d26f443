import { AnnotationRequest, type AnnotationRequest as AnnotationRequestType } from '@activeseg/protocol';
import { countObjects } from '@activeseg/shared';
import sharp from 'sharp';
import { ApiError } from '../errors/api-error.js';
import { decodeMask } from './decode-mask.js';
import { parseOrThrow } from './parse-or-throw.js';

export interface PrepareAnnotationLimits {
  /** Largest region, in level-0 pixels (`maxAnnotationPixels`). */
  maxAnnotationPixels: number;
}

/** An annotation body parsed, validated and turned into the mask file's bytes; only the store checks are left. */
export interface PreparedAnnotation {
  request: Omit<AnnotationRequestType, 'mask'>;
  /** The region-sized mask as a 1-channel PNG, 0/255: exactly what is written to `annotations/<slide>/<id>.png`. */
  png: Uint8Array;
  foregroundPixels: number;
  /** Connected components (8-connected) of the label's foreground: how many objects the person outlined. */
  objects: number;
}

/**
 * The CPU-heavy part of `POST /api/annotations`, run in the annotation worker for all but small bodies: JSON.parse
 * of the raw body, the protocol schema, the region-size and run-count bounds, mask decoding and PNG encoding. A
 * 30 MB RLE body (15 M runs) costs seconds of CPU here, which the daemon's event loop never sees. Every failure
 * is an ApiError.
 */
export async function prepareAnnotation(
  body: Uint8Array,
  limits: PrepareAnnotationLimits,
): Promise<PreparedAnnotation> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (err) {
    throw new ApiError('BAD_REQUEST', `the body is not JSON: ${(err as Error).message}`, 'body');
  }
  // The run bound first: zod would otherwise check every one of millions of counts before we refuse them all.
  const counts = (json as { mask?: { counts?: unknown } } | null)?.mask?.counts;
  const region = (json as { region?: { width?: unknown; height?: unknown } } | null)?.region;
  if (Array.isArray(counts) && typeof region?.width === 'number' && typeof region.height === 'number') {
    checkRunCount(counts.length, region.width * region.height);
  }
  const req = parseOrThrow(AnnotationRequest, json, 'body');
  const { width, height } = req.region;
  if (width * height > limits.maxAnnotationPixels) {
    throw new ApiError(
      'ANNOTATION_TOO_LARGE',
      `region has ${width * height} pixels, over the limit of ${limits.maxAnnotationPixels}`,
      'region',
    );
  }
  const { labels, foregroundPixels } = await decodeMask(req.mask, width, height);
  const objects = foregroundPixels === 0 ? 0 : countObjects(labels, width, height);
  for (let i = 0; i < labels.length; i++) if (labels[i]) labels[i] = 255;
  const png = await sharp(labels, { raw: { width, height, channels: 1 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  const { mask: _mask, ...request } = req;
  return {
    request,
    png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength),
    foregroundPixels,
    objects,
  };
}

/**
 * A valid RLE of a w×h region has at most w·h runs, plus a leading 0 when it starts with foreground; more means
 * zero-length padding, which only costs the daemon time.
 */
export function checkRunCount(runs: number, pixels: number): void {
  if (runs > pixels + 1) {
    throw new ApiError(
      'ANNOTATION_MASK_INVALID',
      `mask.counts has ${runs} runs; a region of ${pixels} pixels has at most ${pixels + 1}`,
      'mask.counts',
    );
  }
}
