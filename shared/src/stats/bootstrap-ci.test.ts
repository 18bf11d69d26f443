import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { bootstrapCi, bootstrapMeanCi, mean, quantileSorted } from './bootstrap-ci.js';

describe('bootstrapMeanCi', () => {
  it('gives a point interval for constant data and NaN for no data', () => {
    const flat = bootstrapMeanCi([0.7, 0.7, 0.7]);
    expect(flat.n).toBe(3);
    for (const v of [flat.value, flat.lo, flat.hi]) expect(v).toBeCloseTo(0.7, 12);
    const none = bootstrapMeanCi([]);
    expect(none.n).toBe(0);
    expect(Number.isNaN(none.value)).toBe(true);
  });

  it('matches the normal-theory interval mean ± 1.96·s/√n on a large sample', () => {
    const rng = createRng(7);
    const values = Array.from({ length: 400 }, () => 0.5 + 0.1 * rng.normal());
    const m = mean(values);
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length);
    const half = (1.96 * sd) / Math.sqrt(values.length);
    const ci = bootstrapMeanCi(values, { seed: 3 });
    expect(ci.value).toBeCloseTo(m, 12);
    expect(ci.lo).toBeCloseTo(m - half, 2);
    expect(ci.hi).toBeCloseTo(m + half, 2);
  });

  it('covers the true mean about 95 % of the time', () => {
    const rng = createRng(11);
    let covered = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      const values = Array.from({ length: 30 }, () => 0.8 + 0.05 * rng.normal());
      const ci = bootstrapMeanCi(values, { seed: t, resamples: 1000 });
      if (ci.lo <= 0.8 && 0.8 <= ci.hi) covered++;
    }
    // Percentile intervals undercover slightly at n = 30; a broken tail (e.g. 25 %/75 %) would cover ≈ 50 %.
    expect(covered / trials).toBeGreaterThan(0.89);
    expect(covered / trials).toBeLessThan(0.99);
  });

  it('repeats exactly with the same seed and differs with another', () => {
    const values = [0.113, 0.517, 0.301, 0.929, 0.442, 0.261, 0.678];
    expect(bootstrapMeanCi(values, { seed: 1 })).toEqual(bootstrapMeanCi(values, { seed: 1 }));
    expect(bootstrapMeanCi(values, { seed: 1 }).lo).not.toBe(bootstrapMeanCi(values, { seed: 2 }).lo);
  });

  it('widens with the level', () => {
    const values = [0.1, 0.5, 0.3, 0.9, 0.4, 0.2, 0.6];
    const narrow = bootstrapMeanCi(values, { level: 0.5 });
    const wide = bootstrapMeanCi(values, { level: 0.99 });
    expect(wide.lo).toBeLessThan(narrow.lo);
    expect(wide.hi).toBeGreaterThan(narrow.hi);
    expect(() => bootstrapMeanCi(values, { level: 1 })).toThrow(/level/);
  });

  it('bootstraps any statistic, e.g. the maximum of two values', () => {
    // Resamples of [0, 1] are [0,0] (¼), mixed (½) or [1,1] (¼): the max is 0 a quarter of the time.
    const ci = bootstrapCi([0, 1], (s) => Math.max(...s), { level: 0.4, resamples: 8000 });
    expect(ci.value).toBe(1);
    expect(ci.lo).toBe(1);
    const wide = bootstrapCi([0, 1], (s) => Math.max(...s), { level: 0.9, resamples: 8000 });
    expect(wide.lo).toBe(0);
  });
});

describe('quantileSorted', () => {
  it('interpolates between order statistics like numpy', () => {
    const s = [1, 2, 3, 4];
    expect(quantileSorted(s, 0)).toBe(1);
    expect(quantileSorted(s, 1)).toBe(4);
    expect(quantileSorted(s, 0.5)).toBe(2.5);
    expect(quantileSorted(s, 0.25)).toBeCloseTo(1.75, 12);
  });
});
