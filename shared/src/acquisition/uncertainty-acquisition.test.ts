import { describe, expect, it } from 'vitest';
import type { McSummary } from './summarize-mc.js';
import { uncertaintyAcquisition } from './uncertainty-acquisition.js';

const summaryOf = (width: number, height: number, mean: number[], std: number[]): McSummary => ({
  width,
  height,
  passes: 1,
  mean: Float32Array.from(mean),
  std: Float32Array.from(std),
});

describe('uncertaintyAcquisition (std × EDT of the thresholded mean)', () => {
  const score = (s: McSummary) => uncertaintyAcquisition.create({}).score(s);

  it('weights std by the distance to the predicted background', () => {
    // 5×1 row, foreground at x = 1..3: EDT = [0, 1, 2, 1, 0].
    const s = summaryOf(5, 1, [0.1, 0.9, 0.9, 0.9, 0.1], [0.5, 0.1, 0.2, 0.3, 0.5]);
    expect(score(s)).toBeCloseTo((0.1 * 1 + 0.2 * 2 + 0.3 * 1) / 5, 6);
  });

  it('uses 2-D Euclidean distances inside a foreground block', () => {
    // 5×5 with a 3×3 foreground block: EDT is 1 on the block's ring and 2 at its centre.
    const mean = Array.from({ length: 25 }, (_, i) => (i % 5 >= 1 && i % 5 <= 3 && i >= 5 && i < 20 ? 0.8 : 0.2));
    expect(score(summaryOf(5, 5, mean, new Array(25).fill(1)))).toBeCloseTo((8 * 1 + 2) / 25, 6);
  });

  it('is 0 when the mean prediction is all background, however large the std', () => {
    expect(score(summaryOf(3, 2, [0.5, 0.2, 0, 0.4, 0.5, 0.1], [0.5, 0.4, 0.3, 0.5, 0.5, 0.5]))).toBe(0);
  });

  it('uses the threshold option for the foreground', () => {
    const s = summaryOf(3, 1, [0.1, 0.4, 0.1], [1, 1, 1]);
    expect(uncertaintyAcquisition.create({}).score(s)).toBe(0);
    expect(uncertaintyAcquisition.create({ threshold: 0.3 }).score(s)).toBeCloseTo(1 / 3, 6);
  });

  it('weights by a distance map computed with context when the summary carries one', () => {
    // The crop x = 0..2 of a row whose foreground runs x = -3..2 (background at x = -4 and x = 3, outside the crop):
    // with that context the distances are [3, 2, 1]; the crop alone has no background and sees 1 everywhere.
    const s = summaryOf(3, 1, [0.9, 0.9, 0.9], [1, 1, 1]);
    const truncated = score(s);
    const withContext = score({ ...s, distance: Float32Array.from([3, 2, 1]) });
    expect(withContext).toBeCloseTo((3 + 2 + 1) / 3, 6);
    expect(truncated).not.toBeCloseTo(withContext, 3);
  });
});
