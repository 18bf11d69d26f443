import { type NormalizationStats, STD_FLOOR } from '../data/normalization.js';
import type { TrainingPatch } from './training-patch.js';

export type { NormalizationStats };

/** Mean and std of the training set over annotated pixels only, so reflect padding does not bias the statistics. */
export function patchNormalization(patches: readonly TrainingPatch[]): NormalizationStats {
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (const p of patches) {
    for (let i = 0; i < p.image.length; i++) {
      if (p.weight[i] === 0) continue;
      const v = p.image[i] as number;
      n++;
      sum += v;
      sq += v * v;
    }
  }
  if (n === 0) throw new Error('cannot compute normalisation: the training set has no annotated pixels');
  const mean = sum / n;
  const variance = Math.max(0, sq / n - mean * mean);
  return { mean, std: Math.max(Math.sqrt(variance), STD_FLOOR) };
}

export function normalizeInto(out: Float32Array, offset: number, image: Float32Array, stats: NormalizationStats): void {
  const inv = 1 / stats.std;
  for (let i = 0; i < image.length; i++) out[offset + i] = ((image[i] as number) - stats.mean) * inv;
}
