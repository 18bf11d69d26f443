import { distanceTransform } from '../image/distance-transform.js';
import { threshold } from '../image/threshold.js';
import { defineAcquisition } from './acquisition-function.js';

/**
 * The paper's score: mean over pixels of std × EDT(mean > threshold). Weighting by the distance
 * inside the predicted foreground discounts the uncertainty every boundary pixel has anyway and
 * favours patches whose object interiors are in doubt.
 */
export const uncertaintyAcquisition = defineAcquisition('uncertainty', ({ threshold: t = 0.5 }) => (input) => {
  const { width, height, mean, std } = input;
  const n = width * height;
  if (n === 0) return 0;
  const edt = distanceTransform(threshold({ width, height, data: mean }, t)).data;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (std[i] as number) * (edt[i] as number);
  return sum / n;
});
