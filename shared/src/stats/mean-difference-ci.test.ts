import { describe, expect, it } from 'vitest';
import { meanDifferenceCi } from './mean-difference-ci.js';

describe('meanDifferenceCi', () => {
  it('gives the observed difference of means with an interval that contains it and excludes 0 for separated groups', () => {
    const a = [0.3, 0.35, 0.4, 0.32, 0.38, 0.36];
    const b = [0.8, 0.82, 0.79, 0.85, 0.81];
    const d = meanDifferenceCi(a, b, { seed: 1 });
    expect(d.value).toBeCloseTo(0.35166666 - 0.814, 6);
    expect(d.n).toBe(5);
    expect(d.lo).toBeLessThan(d.value);
    expect(d.hi).toBeGreaterThan(d.value);
    expect(d.hi).toBeLessThan(0);
  });

  it('straddles 0 for two draws of the same spread-out values, and repeats for a seed', () => {
    const a = [0.1, 0.9, 0.5, 0.3, 0.7];
    const b = [0.9, 0.1, 0.3, 0.7, 0.5, 0.6];
    const d = meanDifferenceCi(a, b, { seed: 2 });
    expect(d.lo).toBeLessThan(0);
    expect(d.hi).toBeGreaterThan(0);
    expect(meanDifferenceCi(a, b, { seed: 2 })).toEqual(d);
  });

  it('has no interval with fewer than two values in a group', () => {
    const d = meanDifferenceCi([0.5], [0.1, 0.2]);
    expect(d.value).toBeCloseTo(0.35, 10);
    expect(Number.isNaN(d.lo) && Number.isNaN(d.hi)).toBe(true);
    expect(meanDifferenceCi([], [0.1]).n).toBe(0);
  });
});
