import { describe, expect, it } from 'vitest';
import {
  DROPOUT_MASKS_KEY,
  DROPOUT_SEED_KEY,
  parseDropoutMaskSpecs,
  parseDropoutSeed,
  type SpatialStep,
  spatialSize,
} from './dropout-mask-spec.js';

const step = (op: 'down' | 'up', k: number, s: number, padding: 'same' | 'valid', d = 1): SpatialStep => ({
  op,
  kernel: [k, k],
  stride: [s, s],
  dilation: [d, d],
  padding,
});

describe('spatialSize', () => {
  it("follows TF's size rules for windows and transposed convs", () => {
    expect(spatialSize([], 7, 5)).toEqual([7, 5]);
    // 'same': ceil(n/s); 'valid': floor((n − k_eff)/s) + 1 with k_eff = (k − 1)·d + 1.
    expect(spatialSize([step('down', 2, 2, 'same')], 7, 5)).toEqual([4, 3]);
    expect(spatialSize([step('down', 3, 2, 'valid')], 7, 5)).toEqual([3, 2]);
    expect(spatialSize([step('down', 3, 1, 'valid', 2)], 7, 5)).toEqual([3, 1]);
    // Transposed: 'same' n·s; 'valid' n·s + max(k − s, 0).
    expect(spatialSize([step('up', 2, 2, 'same')], 7, 5)).toEqual([14, 10]);
    expect(spatialSize([step('up', 3, 2, 'valid')], 7, 5)).toEqual([15, 11]);
    expect(spatialSize([step('down', 2, 2, 'valid'), step('up', 2, 2, 'same')], 9, 9)).toEqual([8, 8]);
  });
});

describe('parseDropoutMaskSpecs / parseDropoutSeed', () => {
  it('reads the metadata back and treats missing keys as no masks and no seed', () => {
    const spec = { input: 'd_mask', rate: 0.2, keep: 1, channels: 4, steps: [step('down', 2, 2, 'valid')] };
    const metadata = [
      { key: DROPOUT_MASKS_KEY, value: JSON.stringify([spec]) },
      { key: DROPOUT_SEED_KEY, value: '17' },
    ];
    expect(parseDropoutMaskSpecs(metadata)).toEqual([spec]);
    expect(parseDropoutSeed(metadata)).toBe(17);
    expect(parseDropoutMaskSpecs([])).toEqual([]);
    expect(parseDropoutSeed([])).toBeUndefined();
    expect(() => parseDropoutSeed([{ key: DROPOUT_SEED_KEY, value: 'x' }])).toThrow(/not a number/);
  });
});
