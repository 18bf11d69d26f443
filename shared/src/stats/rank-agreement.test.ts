import { describe, expect, it } from 'vitest';
import { medianRelativeDifference, overlap, ranks, spearman } from './rank-agreement.js';

describe('rank agreement', () => {
  it('ranks ties by the mean of their ranks', () => {
    expect(ranks([3, 1, 3, 2])).toEqual([2.5, 0, 2.5, 1]);
  });

  it('gives Spearman 1 for any increasing map of the scores and −1 for a reversal', () => {
    const a = [0.1, 0.5, 0.2, 0.9, 0.3];
    const increasing = a.map((v) => v ** 3 + 7);
    const reversed = a.map((v) => -v);
    expect(spearman(a, increasing)).toBeCloseTo(1, 12);
    expect(spearman(a, reversed)).toBeCloseTo(-1, 12);
    expect(spearman([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
  });

  it('counts shared keys and the median relative score change', () => {
    expect(overlap(['a', 'b', 'c'], ['c', 'd', 'a'])).toBe(2);
    expect(medianRelativeDifference([1, 2, 4], [1, 2.2, 2])).toBeCloseTo(0.2 / 2.1, 12);
  });
});
