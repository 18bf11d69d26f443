import type { AnnotationMask } from '@activeseg/protocol';
import sharp, { type OutputInfo } from 'sharp';
import { ApiError } from '../errors/api-error.js';

export interface DecodeMaskResult {
  /** 0/1 per pixel, row-major, width × height. */
  labels: Uint8Array;
  foregroundPixels: number;
}

/** Decodes an annotation mask and checks it matches the region; every failure is ANNOTATION_MASK_INVALID. */
export async function decodeMask(mask: AnnotationMask, width: number, height: number): Promise<DecodeMaskResult> {
  const n = width * height;
  if (mask.encoding === 'rle') {
    const labels = new Uint8Array(n);
    let pos = 0;
    let fg = 0;
    for (let i = 0; i < mask.counts.length; i++) {
      const run = mask.counts[i]!;
      if (pos + run > n) break;
      // Runs alternate background/foreground starting with background, so odd runs are myelin.
      if (i % 2 === 1) {
        labels.fill(1, pos, pos + run);
        fg += run;
      }
      pos += run;
    }
    const total = mask.counts.reduce((a, b) => a + b, 0);
    if (total !== n) {
      throw new ApiError(
        'ANNOTATION_MASK_INVALID',
        `RLE counts sum to ${total}, but the region has ${width}×${height} = ${n} pixels`,
        'mask.counts',
      );
    }
    return { labels, foregroundPixels: fg };
  }

  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(mask.data)) {
    throw new ApiError('ANNOTATION_MASK_INVALID', 'mask.data is not base64', 'mask.data');
  }
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    const png = Buffer.from(mask.data, 'base64');
    const meta = await sharp(png).metadata();
    if (meta.format !== 'png') throw new Error(`expected png, got ${meta.format}`);
    // Check the header's size before decoding: a few hundred KB of deflated zeros can claim 16k × 16k pixels.
    if (meta.width !== width || meta.height !== height) {
      throw new ApiError(
        'ANNOTATION_MASK_INVALID',
        `mask PNG is ${meta.width}×${meta.height}, region is ${width}×${height}`,
        'mask.data',
      );
    }
    decoded = await sharp(png, { failOn: 'truncated' }).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(
      'ANNOTATION_MASK_INVALID',
      `mask.data does not decode as PNG: ${err instanceof Error ? err.message : String(err)}`,
      'mask.data',
    );
  }
  const { data, info } = decoded;
  if (info.width !== width || info.height !== height || info.channels !== 1) {
    throw new ApiError(
      'ANNOTATION_MASK_INVALID',
      `mask PNG is ${info.width}×${info.height}, region is ${width}×${height}`,
      'mask.data',
    );
  }
  const labels = new Uint8Array(n);
  let fg = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (v === 0) continue;
    if (v !== 1 && v !== 255) {
      throw new ApiError('ANNOTATION_MASK_INVALID', `mask values must be 0 and 1 (or 255); found ${v}`, 'mask.data');
    }
    labels[i] = 1;
    fg++;
  }
  return { labels, foregroundPixels: fg };
}
