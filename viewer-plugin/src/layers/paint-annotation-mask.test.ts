import { describe, expect, it } from 'vitest';
import { paintAnnotationMask } from './paint-annotation-mask.js';

describe('paintAnnotationMask', () => {
  it('outlines the boundary of the myelin pixels, fills their inside and leaves background clear', () => {
    // 5 × 4 region, a 3 × 3 block of myelin at x 1–3, y 0–2: only its centre pixel (2, 1) is inside.
    const mask = new Uint8Array(20);
    for (let y = 0; y < 3; y++) for (let x = 1; x < 4; x++) mask[y * 5 + x] = 255;
    const rgba = paintAnnotationMask(mask, 5, 4, { fill: [1, 2, 3, 4], outline: [9, 9, 9, 255] });
    const at = (x: number, y: number) => [...rgba.subarray((y * 5 + x) * 4, (y * 5 + x) * 4 + 4)];
    expect(at(2, 1)).toEqual([1, 2, 3, 4]);
    // The block's top row touches the region's edge: outlined there too.
    for (const [x, y] of [
      [1, 0],
      [2, 0],
      [3, 2],
      [1, 1],
    ] as const)
      expect(at(x, y)).toEqual([9, 9, 9, 255]);
    for (const [x, y] of [
      [0, 0],
      [4, 1],
      [2, 3],
    ] as const)
      expect(at(x, y)).toEqual([0, 0, 0, 0]);
  });
});
