/** Default clamp for probabilities before taking logs. */
export const DEFAULT_ENTROPY_EPS = 1e-7;

/** Entropy in nats of a Bernoulli(p); p is clamped to [eps, 1 − eps] so saturated outputs stay finite. */
export function binaryEntropy(p: number, eps = DEFAULT_ENTROPY_EPS): number {
  const q = Math.min(Math.max(p, eps), 1 - eps);
  return -q * Math.log(q) - (1 - q) * Math.log(1 - q);
}
