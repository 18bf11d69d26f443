import { describe, expect, it } from 'vitest';
import { estimateAccuracy, type ProbeObservation, pooledDice } from './probe-estimate.js';

const probe = (version: number, tp: number, fp: number, fn: number): ProbeObservation => ({
  version,
  counts: { tp, fp, fn, tn: 1000 },
});

describe('pooledDice', () => {
  it('sums pixel counts before the ratio, as a test set Dice does', () => {
    // Per-probe Dice 1.0 and 0.0 would average 0.5; pooled it is 2·90 / (2·90 + 10 + 10) = 0.9.
    expect(pooledDice([probe(1, 90, 0, 0).counts, probe(1, 0, 10, 10).counts])).toBeCloseTo(0.9, 12);
    expect(pooledDice([])).toBe(1);
  });
});

describe('estimateAccuracy', () => {
  it('uses only the asked version when it has enough probes', () => {
    const probes = [probe(1, 10, 10, 10), ...Array.from({ length: 5 }, () => probe(2, 80, 10, 10))];
    const e = estimateAccuracy(probes, 2, { minProbes: 5 });
    expect(e?.versions).toEqual([2]);
    expect(e?.dice.value).toBeCloseTo(160 / 180, 12);
    // Identical probes: nothing to resample, the interval is the point.
    expect(e?.dice.lo).toBeCloseTo(160 / 180, 12);
    expect(e?.dice.hi).toBeCloseTo(160 / 180, 12);
    expect(e?.dice.n).toBe(5);
  });

  it('borrows the newest older versions when it has too few, up to maxVersions, and never newer ones', () => {
    const probes = [probe(1, 50, 0, 0), probe(2, 40, 10, 10), probe(3, 30, 0, 0), probe(5, 1, 1, 1)];
    const e = estimateAccuracy(probes, 3, { minProbes: 5, maxVersions: 2 });
    expect(e?.versions).toEqual([3, 2]);
    expect(e?.dice.n).toBe(2);
    expect(e?.dice.value).toBeCloseTo((2 * 70) / (2 * 70 + 20), 12);
  });

  it('gives an interval that contains the value and brackets the probes', () => {
    const probes = [probe(4, 90, 5, 5), probe(4, 60, 20, 20), probe(4, 80, 10, 10), probe(4, 40, 30, 30)];
    const e = estimateAccuracy(probes, 4, { minProbes: 4, seed: 1 });
    expect(e).toBeDefined();
    const dice = e?.dice as NonNullable<typeof e>['dice'];
    expect(dice.lo).toBeLessThan(dice.value);
    expect(dice.hi).toBeGreaterThan(dice.value);
    expect(dice.lo).toBeGreaterThanOrEqual(80 / 140 - 1e-12); // the worst probe alone
    expect(dice.hi).toBeLessThanOrEqual(180 / 190 + 1e-12); // the best probe alone
  });

  it('is undefined before any probe', () => {
    expect(estimateAccuracy([probe(3, 1, 1, 1)], 2)).toBeUndefined();
  });
});
