import { describe, expect, it } from 'vitest';
import { binaryEntropy } from './binary-entropy.js';
import { entropyAcquisition } from './entropy-acquisition.js';

const entropyScore = (mean: number[]) =>
  entropyAcquisition.create({}).score({
    width: mean.length,
    height: 1,
    passes: 1,
    mean: Float32Array.from(mean),
    std: new Float32Array(mean.length),
  });

describe('entropyAcquisition', () => {
  it('peaks at p = 0.5 with ln 2 nats and is symmetric', () => {
    expect(entropyScore([0.5])).toBeCloseTo(Math.LN2, 6);
    for (const p of [0, 0.01, 0.2, 0.45, 0.55, 0.8, 1]) expect(entropyScore([p])).toBeLessThan(entropyScore([0.5]));
    expect(entropyScore([0.2])).toBeCloseTo(entropyScore([0.8]), 6);
  });

  it('stays finite and near 0 for saturated probabilities', () => {
    for (const p of [0, 1]) {
      expect(Number.isFinite(entropyScore([p]))).toBe(true);
      expect(entropyScore([p])).toBeLessThan(1e-5);
    }
  });

  it('averages the binary entropy over pixels', () => {
    expect(entropyScore([0.5, 0.9])).toBeCloseTo((binaryEntropy(0.5) + binaryEntropy(0.9)) / 2, 6);
    expect(binaryEntropy(0.9)).toBeCloseTo(-0.9 * Math.log(0.9) - 0.1 * Math.log(0.1), 12);
  });
});
