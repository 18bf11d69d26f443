import { distanceTransform } from '../image/distance-transform.js';
import { threshold } from '../image/threshold.js';
import { defineAcquisition } from './acquisition-function.js';
import type { McSummary } from './summarize-mc.js';

/** Foreground threshold on the mean prediction for `uncertainty`'s distance map. */
export const DEFAULT_FOREGROUND_THRESHOLD = 0.5;

/**
 * EDT of the thresholded mean (distance of each predicted-foreground pixel to the nearest predicted background):
 * the weight of the paper's score. Exported so a caller that predicts a larger window than it scores can compute it
 * with context and hand it over as `McSummary.distance`.
 */
export function foregroundDistance(
  summary: Pick<McSummary, 'width' | 'height' | 'mean'>,
  t = DEFAULT_FOREGROUND_THRESHOLD,
): Float32Array {
  const { width, height, mean } = summary;
  return distanceTransform(threshold({ width, height, data: mean }, t)).data;
}

/**
 * The paper's score: mean over pixels of std × EDT(mean > threshold). Weighting by the distance
 * inside the predicted foreground discounts the uncertainty every boundary pixel has anyway and
 * favours patches whose object interiors are in doubt.
 */
export const uncertaintyAcquisition = defineAcquisition(
  'uncertainty',
  ({ threshold: t = DEFAULT_FOREGROUND_THRESHOLD }) =>
    (input) => {
      const { width, height, std } = input;
      const n = width * height;
      if (n === 0) return 0;
      const edt = input.distance ?? foregroundDistance(input, t);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += (std[i] as number) * (edt[i] as number);
      return sum / n;
    },
);
