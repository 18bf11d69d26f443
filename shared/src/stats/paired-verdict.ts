import { type BootstrapOptions, bootstrapMeanCi, type ConfidenceInterval } from './bootstrap-ci.js';

export type Verdict = 'better' | 'worse' | 'no difference detected';

export interface PairedComparison {
  /** Mean of the paired differences (strategy − reference) with its bootstrap interval over the pairs. */
  readonly difference: ConfidenceInterval;
  readonly verdict: Verdict;
}

/**
 * Paired comparison of a strategy against a reference over matched runs (same seed = same initial set): the interval
 * is of the mean per-pair difference, so what the pairs share (an easy initial set, a lucky seed) cancels. The verdict
 * is `better` / `worse` only when the whole interval lies on one side of zero.
 */
export function pairedComparison(
  strategy: readonly number[],
  reference: readonly number[],
  options: BootstrapOptions = {},
): PairedComparison {
  if (strategy.length !== reference.length) {
    throw new RangeError(`pairedComparison: ${strategy.length} values against ${reference.length} reference values`);
  }
  const diffs = strategy.map((v, i) => v - (reference[i] as number));
  const difference = bootstrapMeanCi(diffs, options);
  return { difference, verdict: verdictOf(difference) };
}

export function verdictOf(difference: ConfidenceInterval): Verdict {
  // One pair has no spread: an interval of a single point would call any difference significant.
  if (difference.n < 2 || Number.isNaN(difference.lo)) return 'no difference detected';
  if (difference.lo > 0) return 'better';
  if (difference.hi < 0) return 'worse';
  return 'no difference detected';
}

/** The verdict as a reader sees it, with n: "no difference detected (n = 3)". */
export function verdictText(comparison: PairedComparison): string {
  return comparison.verdict === 'no difference detected'
    ? `no difference detected (n = ${comparison.difference.n})`
    : comparison.verdict;
}
