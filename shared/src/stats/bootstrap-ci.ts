import { createRng } from '../random/rng.js';

export interface ConfidenceInterval {
  /** The statistic on the data as observed (not the bootstrap mean). */
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
  /** Observations it rests on. */
  readonly n: number;
}

export interface BootstrapOptions {
  /** Coverage of the interval (default 0.95). */
  readonly level?: number;
  /** Bootstrap resamples (default 4000: the 2.5 % tail then rests on 100 values). */
  readonly resamples?: number;
  /** Every interval is seeded, so a report repeats to the digit. */
  readonly seed?: number;
}

/**
 * Percentile-bootstrap interval of any statistic of `items` (resampled with replacement, each resample the same size
 * as the data). One item: the interval is the point itself — there is no spread to resample, and the caller should
 * show n. No items: NaN throughout.
 */
export function bootstrapCi<T>(
  items: readonly T[],
  statistic: (sample: readonly T[]) => number,
  options: BootstrapOptions = {},
): ConfidenceInterval {
  const n = items.length;
  if (n === 0) return { value: Number.NaN, lo: Number.NaN, hi: Number.NaN, n: 0 };
  const value = statistic(items);
  if (n === 1) return { value, lo: value, hi: value, n };
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrapCi: level must be in (0, 1), got ${level}`);
  const resamples = options.resamples ?? 4000;
  const rng = createRng(options.seed ?? 0x5eed);
  const stats = new Float64Array(resamples);
  const sample = new Array<T>(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) sample[i] = items[rng.int(n)] as T;
    stats[r] = statistic(sample);
  }
  stats.sort();
  const tail = (1 - level) / 2;
  return { value, lo: quantileSorted(stats, tail), hi: quantileSorted(stats, 1 - tail), n };
}

/** Mean with its percentile-bootstrap interval. */
export function bootstrapMeanCi(values: readonly number[], options: BootstrapOptions = {}): ConfidenceInterval {
  return bootstrapCi(values, mean, options);
}

export function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return values.length === 0 ? Number.NaN : s / values.length;
}

/** Linear interpolation between order statistics (type 7, R's and numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  return a + (h - lo) * ((sorted[hi] as number) - a);
}
