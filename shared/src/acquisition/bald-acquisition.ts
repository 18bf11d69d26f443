import { defineAcquisition } from './acquisition-function.js';
import { binaryEntropy, DEFAULT_ENTROPY_EPS } from './binary-entropy.js';

/**
 * BALD: mean over pixels of the mutual information H(mean) − mean over passes of H(p_pass), i.e.
 * the part of the predictive entropy that comes from the passes disagreeing, not from every pass
 * being unsure. Needs the raw samples (`probs`).
 */
export const baldAcquisition = defineAcquisition('bald', ({ eps = DEFAULT_ENTROPY_EPS }) => (input) => {
  const { width, height, passes, mean, probs } = input;
  if (probs === undefined) throw new Error('bald acquisition needs the raw Monte-Carlo samples in summary.probs');
  const n = width * height;
  if (n === 0) return 0;
  let predictive = 0;
  for (let i = 0; i < n; i++) predictive += binaryEntropy(mean[i] as number, eps);
  let expected = 0;
  for (let j = 0; j < passes * n; j++) expected += binaryEntropy(probs[j] as number, eps);
  // Mutual information is ≥ 0 by concavity; float32 rounding of the mean can dip just below.
  return Math.max(0, (predictive - expected / passes) / n);
});
