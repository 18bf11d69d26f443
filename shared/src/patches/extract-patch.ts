import { type AnyImage, createImageLike } from '../image/create-image-like.js';
import { reflectIndex } from '../image/reflect-pad.js';
import type { FloatImage, MaskImage } from '../image/types.js';

export interface ExtractPatchOptions {
  /** Top-left corner in image pixels; may be negative or run past the edge. */
  x: number;
  y: number;
  size: number;
  /** How pixels outside the image are filled. Default 'reflect' (numpy `mode='reflect'`). */
  pad?: 'reflect' | 'zero';
}

/** Copy a size×size window out of an image, filling whatever falls outside by reflection or zeros. */
export function extractPatch(img: FloatImage, options: ExtractPatchOptions): FloatImage;
export function extractPatch(img: MaskImage, options: ExtractPatchOptions): MaskImage;
export function extractPatch(img: AnyImage, options: ExtractPatchOptions): AnyImage {
  const { x, y, size, pad = 'reflect' } = options;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`extractPatch: size must be a positive integer`);
  if (!Number.isInteger(x) || !Number.isInteger(y)) throw new RangeError(`extractPatch: x and y must be integers`);
  if (img.width === 0 || img.height === 0) throw new RangeError('extractPatch: the image is empty');
  const out = createImageLike(img, size, size);
  for (let py = 0; py < size; py++) {
    let sy = y + py;
    if (sy < 0 || sy >= img.height) {
      if (pad === 'zero') continue;
      sy = reflectIndex(sy, img.height);
    }
    for (let px = 0; px < size; px++) {
      let sx = x + px;
      if (sx < 0 || sx >= img.width) {
        if (pad === 'zero') continue;
        sx = reflectIndex(sx, img.width);
      }
      out.data[py * size + px] = img.data[sy * img.width + sx] as number;
    }
  }
  return out;
}
