import { defineAcquisition } from './acquisition-function.js';

/** Mean per-pixel MC standard deviation, without the paper's distance weighting (an ablation baseline). */
export const stdAcquisition = defineAcquisition('std', () => (input) => {
  const n = input.width * input.height;
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += input.std[i] as number;
  return sum / n;
});
