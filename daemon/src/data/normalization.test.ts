import { describe, expect, it } from 'vitest';
import { DataError } from './data-error.js';
import { computeNormalization, normalize, STD_FLOOR } from './normalization.js';

describe('computeNormalization', () => {
  it('pools mean and population std over all pixels of all images', () => {
    const a = { width: 2, height: 1, data: Float32Array.from([0, 2]) };
    const b = { width: 2, height: 1, data: Float32Array.from([4, 6]) };
    const stats = computeNormalization([a, b]);
    expect(stats.mean).toBe(3);
    expect(stats.std).toBeCloseTo(Math.sqrt(5), 12);
  });

  it('accepts bare Float32Arrays', () => {
    expect(computeNormalization([Float32Array.from([1, 3])])).toEqual({ mean: 2, std: 1 });
  });

  it('keeps a small variance on a large offset over 4 M pixels (float64 accumulation)', () => {
    const data = new Float32Array(4_000_000);
    for (let i = 0; i < data.length; i++) data[i] = 10_000 + (i % 2);
    const stats = computeNormalization([data]);
    expect(stats.mean).toBeCloseTo(10_000.5, 9);
    expect(stats.std).toBeCloseTo(0.5, 9);
  });

  it('floors the std of a constant image at 1e-6', () => {
    expect(computeNormalization([new Float32Array(10).fill(7)]).std).toBe(STD_FLOOR);
  });

  it('raises EMPTY_DATASET when there are no pixels', () => {
    expect(() => computeNormalization([])).toThrow(DataError);
  });
});

describe('normalize', () => {
  it('gives zero mean and unit std with the computed stats, without touching the input', () => {
    const img = { width: 3, height: 1, data: Float32Array.from([1, 2, 3]) };
    const out = normalize(img, computeNormalization([img]));
    expect(out.width).toBe(3);
    expect(Array.from(out.data).map((v) => Number(v.toFixed(5)))).toEqual([-1.22474, 0, 1.22474]);
    expect(Array.from(img.data)).toEqual([1, 2, 3]);
  });

  it('returns a Float32Array for a Float32Array', () => {
    const out = normalize(Float32Array.from([5, 7]), { mean: 6, std: 2 });
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out)).toEqual([-0.5, 0.5]);
  });
});
