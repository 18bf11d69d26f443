import { describe, expect, it } from 'vitest';
import { metricsFromCounts, segmentationMetrics } from './segmentation-metrics.js';

const u8 = (values: number[]) => Uint8Array.from(values);

describe('segmentationMetrics', () => {
  it('matches hand-computed values (tp 3, fp 1, tn 4, fn 2)', () => {
    const pred = u8([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const truth = u8([1, 1, 1, 0, 1, 1, 0, 0, 0, 0]);
    const m = segmentationMetrics(pred, truth);
    expect(m.dice).toBeCloseTo(6 / 9, 12);
    expect(m.jaccard).toBeCloseTo(3 / 6, 12);
    expect(m.accuracy).toBeCloseTo(7 / 10, 12);
    expect(m.precision).toBeCloseTo(3 / 4, 12);
    expect(m.sensitivity).toBeCloseTo(3 / 5, 12);
    expect(m.specificity).toBeCloseTo(4 / 5, 12);
  });

  it('keeps dice = 2J / (1 + J) across many overlap patterns', () => {
    for (let seed = 1; seed < 20; seed++) {
      const pred = u8(Array.from({ length: 64 }, (_, i) => ((i * seed * 7) % 5 < 2 ? 1 : 0)));
      const truth = u8(Array.from({ length: 64 }, (_, i) => ((i * seed * 3) % 7 < 3 ? 1 : 0)));
      const { dice, jaccard } = segmentationMetrics(pred, truth);
      expect(dice).toBeCloseTo((2 * jaccard) / (1 + jaccard), 12);
    }
  });

  it('ignores zero-weight pixels', () => {
    const pred = u8([1, 1, 0, 0]);
    const truth = u8([1, 0, 0, 1]);
    const m = segmentationMetrics(pred, truth, { weights: u8([1, 0, 1, 0]) });
    expect(m).toEqual({ dice: 1, jaccard: 1, accuracy: 1, precision: 1, sensitivity: 1, specificity: 1 });
  });

  it('scores a correct empty prediction of an empty truth as perfect', () => {
    const m = segmentationMetrics(u8([0, 0, 0]), u8([0, 0, 0]));
    expect(m).toEqual({ dice: 1, jaccard: 1, accuracy: 1, precision: 1, sensitivity: 1, specificity: 1 });
  });

  it('scores an empty prediction of a non-empty truth as zero overlap, precision 0', () => {
    const m = segmentationMetrics(u8([0, 0, 0]), u8([1, 0, 0]));
    expect(m).toMatchObject({ dice: 0, jaccard: 0, precision: 0, sensitivity: 0, specificity: 1 });
    expect(m.accuracy).toBeCloseTo(2 / 3, 12);
  });

  it('scores false positives on an empty truth with sensitivity 0, not NaN', () => {
    const m = segmentationMetrics(u8([1, 0, 0]), u8([0, 0, 0]));
    expect(m).toMatchObject({ dice: 0, jaccard: 0, precision: 0, sensitivity: 0 });
    expect(m.specificity).toBeCloseTo(2 / 3, 12);
  });

  it('answers specificity when the truth has no negatives by whether the prediction has none either', () => {
    expect(segmentationMetrics(u8([1, 1]), u8([1, 1])).specificity).toBe(1);
    expect(segmentationMetrics(u8([1, 0]), u8([1, 1])).specificity).toBe(0);
  });

  it('never returns NaN, even with no pixels at all', () => {
    const all = [
      metricsFromCounts({ tp: 0, fp: 0, tn: 0, fn: 0 }),
      metricsFromCounts({ tp: 0, fp: 3, tn: 0, fn: 0 }),
      metricsFromCounts({ tp: 0, fp: 0, tn: 0, fn: 3 }),
      metricsFromCounts({ tp: 0, fp: 0, tn: 3, fn: 0 }),
    ];
    for (const m of all) for (const v of Object.values(m)) expect(Number.isNaN(v)).toBe(false);
    expect(all[0]?.accuracy).toBe(1);
  });
});
