import type { ConfidenceInterval } from './bootstrap-ci.js';

export interface StopRuleOptions {
  /** Versions looked back over (default 3). */
  readonly window?: number;
  /** A rise at most this large over the window counts as none (default 0.01). */
  readonly minGain?: number;
  /** Probes each version's estimate needs before the rule speaks (default 5). */
  readonly minProbes?: number;
}

export type StopAdvice =
  | { readonly state: 'too-early'; readonly message: string }
  | { readonly state: 'keep-going'; readonly message: string; readonly gain: number }
  | { readonly state: 'stop'; readonly message: string; readonly gain: number };

/**
 * Whether more annotation is still likely to help, from the per-version accuracy estimates in version order. It says
 * stop only when the estimate rose by no more than `minGain` across the last `window` versions AND their intervals
 * overlap (the versions are indistinguishable): a flat estimate from too few probes, or a real step hidden in one
 * version, is not a plateau.
 */
export function stopAdvice(estimates: readonly ConfidenceInterval[], options: StopRuleOptions = {}): StopAdvice {
  const window = options.window ?? 3;
  const minGain = options.minGain ?? 0.01;
  const minProbes = options.minProbes ?? 5;
  const last = estimates.slice(-window);
  if (last.length < window || last.some((e) => e.n < minProbes || Number.isNaN(e.value))) {
    return {
      state: 'too-early',
      message: `not enough random probes yet to tell whether the model still improves (needs ${window} model versions with ${minProbes} probes each)`,
    };
  }
  const first = last[0] as ConfidenceInterval;
  const newest = last[last.length - 1] as ConfidenceInterval;
  const gain = newest.value - first.value;
  const overlap = Math.max(...last.map((e) => e.lo)) <= Math.min(...last.map((e) => e.hi));
  if (gain <= minGain && overlap) {
    return {
      state: 'stop',
      gain,
      message: `more annotation is unlikely to improve the model: its estimated Dice moved ${signed(gain)} over the last ${window} versions`,
    };
  }
  return {
    state: 'keep-going',
    gain,
    message: `the model is still improving: estimated Dice ${signed(gain)} over the last ${window} versions`,
  };
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;
}
