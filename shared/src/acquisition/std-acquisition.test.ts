import { describe, expect, it } from 'vitest';
import { stdAcquisition } from './std-acquisition.js';

describe('stdAcquisition', () => {
  it('is the plain mean of the std map, whatever the mean prediction', () => {
    const std = Float32Array.from([0.1, 0.2, 0.3, 0.6]);
    const score = (mean: number[]) =>
      stdAcquisition.create({}).score({ width: 2, height: 2, passes: 1, mean: Float32Array.from(mean), std });
    expect(score([0, 0, 0, 0])).toBeCloseTo(0.3, 6);
    expect(score([1, 1, 1, 1])).toBeCloseTo(0.3, 6);
  });
});
