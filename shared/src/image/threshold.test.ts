import { describe, expect, it } from 'vitest';
import { threshold } from './threshold.js';

describe('threshold', () => {
  it('marks only values strictly above the threshold, defaulting to 0.5', () => {
    const img = { width: 3, height: 2, data: Float32Array.from([0, 0.5, 0.51, 1, Number.NaN, 0.2]) };
    expect(Array.from(threshold(img).data)).toEqual([0, 0, 1, 1, 0, 0]);
    expect(Array.from(threshold(img, 0.1).data)).toEqual([0, 1, 1, 1, 0, 1]);
  });

  it('keeps the image size', () => {
    const out = threshold({ width: 3, height: 2, data: new Float32Array(6) });
    expect([out.width, out.height, out.data.length]).toEqual([3, 2, 6]);
  });
});
