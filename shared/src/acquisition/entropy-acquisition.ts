import { defineAcquisition } from './acquisition-function.js';
import { binaryEntropy, DEFAULT_ENTROPY_EPS } from './binary-entropy.js';

/** Mean predictive entropy (nats) of the MC-mean foreground probability. */
export const entropyAcquisition = defineAcquisition('entropy', ({ eps = DEFAULT_ENTROPY_EPS }) => (input) => {
  const n = input.width * input.height;
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += binaryEntropy(input.mean[i] as number, eps);
  return sum / n;
});
