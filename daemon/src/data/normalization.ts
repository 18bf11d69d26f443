import type { FloatImage } from '@activeseg/shared';
import { DataError } from './data-error.js';

export interface NormalizationStats {
  mean: number;
  /** Population standard deviation, never below `STD_FLOOR` so `normalize` cannot divide by ~0 on flat images. */
  std: number;
}

export const STD_FLOOR = 1e-6;

/**
 * Mean and standard deviation over every pixel of every image (one pooled statistic, as the paper normalises the
 * whole training set). Two passes with float64 accumulators: a single sum-of-squares pass loses the variance of
 * 8-bit data in millions of pixels to cancellation.
 */
export function computeNormalization(images: readonly FloatImage[] | readonly Float32Array[]): NormalizationStats {
  const arrays = images.map((img) => (img instanceof Float32Array ? img : img.data));
  let count = 0;
  let sum = 0;
  for (const data of arrays) {
    for (let i = 0; i < data.length; i++) sum += data[i] as number;
    count += data.length;
  }
  if (count === 0) {
    throw new DataError('EMPTY_DATASET', 'computeNormalization: no pixels to compute statistics on');
  }
  const mean = sum / count;
  let squares = 0;
  for (const data of arrays) {
    for (let i = 0; i < data.length; i++) {
      const d = (data[i] as number) - mean;
      squares += d * d;
    }
  }
  return { mean, std: Math.max(Math.sqrt(squares / count), STD_FLOOR) };
}

/** `(x - mean) / std` into a new array; the input is left untouched. */
export function normalize(img: FloatImage, stats: NormalizationStats): FloatImage;
export function normalize(img: Float32Array, stats: NormalizationStats): Float32Array;
export function normalize(img: FloatImage | Float32Array, stats: NormalizationStats): FloatImage | Float32Array {
  const src = img instanceof Float32Array ? img : img.data;
  const out = new Float32Array(src.length);
  const scale = 1 / Math.max(stats.std, STD_FLOOR);
  for (let i = 0; i < src.length; i++) out[i] = ((src[i] as number) - stats.mean) * scale;
  return img instanceof Float32Array ? out : { width: img.width, height: img.height, data: out };
}
