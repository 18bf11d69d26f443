import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { summarizeMc } from './summarize-mc.js';

describe('summarizeMc', () => {
  it('computes the per-pixel mean and population std (ddof = 0) over pass-major samples', () => {
    // 2×1 image, 4 passes: pixel 0 sees 0, 1, 0, 1; pixel 1 sees 0.2 every time.
    const probs = Float32Array.from([0, 0.2, 1, 0.2, 0, 0.2, 1, 0.2]);
    const s = summarizeMc({ width: 2, height: 1, passes: 4, probs });
    expect(s.mean[0]).toBeCloseTo(0.5, 6);
    expect(s.std[0]).toBeCloseTo(0.5, 6);
    expect(s.mean[1]).toBeCloseTo(0.2, 6);
    expect(s.std[1]).toBe(0);
    expect(s.probs).toBe(probs);
  });

  it('agrees with a direct computation on random samples', () => {
    const rng = createRng(3);
    const [width, height, passes] = [5, 4, 7];
    const probs = Float32Array.from({ length: width * height * passes }, () => rng.next());
    const s = summarizeMc({ width, height, passes, probs });
    for (let i = 0; i < width * height; i++) {
      const values = Array.from({ length: passes }, (_, t) => probs[t * width * height + i] as number);
      const mean = values.reduce((a, b) => a + b, 0) / passes;
      const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / passes;
      expect(s.mean[i]).toBeCloseTo(mean, 6);
      expect(s.std[i]).toBeCloseTo(Math.sqrt(variance), 6);
    }
  });

  it('rejects sample arrays of the wrong length and non-positive pass counts', () => {
    expect(() => summarizeMc({ width: 2, height: 2, passes: 3, probs: new Float32Array(11) })).toThrow(/12 probs/);
    expect(() => summarizeMc({ width: 2, height: 2, passes: 0, probs: new Float32Array(0) })).toThrow(RangeError);
  });
});
