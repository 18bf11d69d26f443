import { type AnyImage, createImageLike } from './create-image-like.js';
import type { FloatImage, MaskImage } from './types.js';

export interface ReflectPadOptions {
  top?: number;
  bottom?: number;
  left?: number;
  right?: number;
}

/**
 * Map any integer index onto [0, n) by mirror reflection without repeating the edge sample
 * (numpy `mode='reflect'`: … 2 1 | 0 1 2 | 1 0 …). Reflection is periodic with period 2(n − 1),
 * which is exactly what numpy's repeated reflection gives when the pad exceeds the size.
 */
export function reflectIndex(i: number, n: number): number {
  if (n <= 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** Pad an image on each side by mirror reflection (numpy `np.pad(img, …, mode='reflect')`). */
export function reflectPad(img: FloatImage, options?: ReflectPadOptions): FloatImage;
export function reflectPad(img: MaskImage, options?: ReflectPadOptions): MaskImage;
export function reflectPad(img: AnyImage, options: ReflectPadOptions = {}): AnyImage {
  const { top = 0, bottom = 0, left = 0, right = 0 } = options;
  for (const [side, amount] of Object.entries({ top, bottom, left, right })) {
    if (!Number.isInteger(amount) || amount < 0) {
      throw new RangeError(`reflectPad: ${side} must be a non-negative integer, got ${amount}`);
    }
  }
  if (img.width === 0 || img.height === 0) {
    throw new RangeError('reflectPad: cannot reflect an empty image');
  }
  const width = img.width + left + right;
  const height = img.height + top + bottom;
  const out = createImageLike(img, width, height);
  const srcCols = Int32Array.from({ length: width }, (_, x) => reflectIndex(x - left, img.width));
  for (let y = 0; y < height; y++) {
    const srcRow = reflectIndex(y - top, img.height) * img.width;
    const dstRow = y * width;
    for (let x = 0; x < width; x++) out.data[dstRow + x] = img.data[srcRow + (srcCols[x] as number)] as number;
  }
  return out;
}
