import { createRng } from '../random/rng.js';
import { type BootstrapOptions, type ConfidenceInterval, mean, quantileSorted } from './bootstrap-ci.js';

/**
 * Difference of two independent groups' means (`a` − `b`) with a percentile-bootstrap interval, each group resampled
 * within itself (stratified), so a small group is never swamped by a large one. `n` is the smaller group's size;
 * fewer than two values in either group: the interval is NaN (no spread to resample).
 */
export function meanDifferenceCi(
  a: readonly number[],
  b: readonly number[],
  options: BootstrapOptions = {},
): ConfidenceInterval {
  const n = Math.min(a.length, b.length);
  if (n === 0) return { value: Number.NaN, lo: Number.NaN, hi: Number.NaN, n };
  const value = mean(a) - mean(b);
  if (n < 2) return { value, lo: Number.NaN, hi: Number.NaN, n };
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new RangeError(`meanDifferenceCi: level must be in (0, 1), got ${level}`);
  const resamples = options.resamples ?? 4000;
  const rng = createRng(options.seed ?? 0x5eed);
  const resampledMean = (xs: readonly number[]): number => {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += xs[rng.int(xs.length)] as number;
    return s / xs.length;
  };
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) stats[r] = resampledMean(a) - resampledMean(b);
  stats.sort();
  const tail = (1 - level) / 2;
  return { value, lo: quantileSorted(stats, tail), hi: quantileSorted(stats, 1 - tail), n };
}
