import { describe, expect, it } from 'vitest';
import { affineValues } from './affine-values.js';

describe('affineValues', () => {
  it('scales and offsets every value into a new Float32Array', () => {
    const src = Uint8Array.from([0, 1, 255]);
    expect([...affineValues(src, 2, -1)]).toEqual([-1, 1, 509]);
    expect([...affineValues(src, 1 / 255)].map((v) => Math.round(v * 1000) / 1000)).toEqual([0, 0.004, 1]);
  });
});
