import { describe, expect, it } from 'vitest';
import { downscalePair } from './downscale.js';

describe('downscalePair', () => {
  const image = { width: 4, height: 2, data: Float32Array.from([0, 2, 4, 4, 2, 4, 8, 8]) };
  const mask = { width: 4, height: 2, data: Uint8Array.from([1, 1, 0, 0, 1, 0, 0, 1]) };

  it('averages 2×2 blocks of the image and takes the majority of the mask', () => {
    const r = downscalePair({ image, mask }, 0.5);
    expect([...r.image.data]).toEqual([2, 6]);
    expect([...r.mask.data]).toEqual([1, 0]);
    expect(r.weight).toBeUndefined();
  });

  it('votes only among annotated pixels and marks blocks without any as unannotated', () => {
    const weight = { width: 4, height: 2, data: Uint8Array.from([0, 0, 0, 0, 1, 0, 0, 0]) };
    const r = downscalePair({ image, mask, weight }, 0.5);
    expect([...r.mask.data]).toEqual([1, 0]);
    expect([...(r.weight?.data ?? [])]).toEqual([1, 0]);
  });

  it('refuses factors that are not 1/k', () => {
    expect(() => downscalePair({ image, mask }, 0.4)).toThrow(/1\/k/);
  });
});
