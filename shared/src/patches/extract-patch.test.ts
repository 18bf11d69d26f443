import { describe, expect, it } from 'vitest';
import { reflectPad } from '../image/reflect-pad.js';
import type { FloatImage } from '../image/types.js';
import { createRng } from '../random/rng.js';
import { extractPatch } from './extract-patch.js';

// 4×3 image with value 10·y + x, so each pixel names its source.
const img: FloatImage = {
  width: 4,
  height: 3,
  data: Float32Array.from({ length: 12 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4)),
};

describe('extractPatch', () => {
  it('copies an interior window', () => {
    const out = extractPatch(img, { x: 1, y: 1, size: 2 });
    expect(Array.from(out.data)).toEqual([11, 12, 21, 22]);
    expect(out.data).not.toBe(img.data);
  });

  it('reflects past the edges without repeating the edge pixel', () => {
    const out = extractPatch(img, { x: 2, y: 2, size: 3 });
    expect(Array.from(out.data)).toEqual([22, 23, 22, 12, 13, 12, 2, 3, 2]);
  });

  it('agrees with reflectPad for any window, including ones larger than the image', () => {
    const rng = createRng(17);
    const pad = 30;
    const padded = reflectPad(img, { top: pad, bottom: pad, left: pad, right: pad });
    for (let trial = 0; trial < 50; trial++) {
      const size = 1 + rng.int(12);
      const x = rng.int(40) - 20;
      const y = rng.int(40) - 20;
      const out = extractPatch(img, { x, y, size, pad: 'reflect' });
      const want = extractPatch(padded, { x: x + pad, y: y + pad, size, pad: 'zero' });
      expect(Array.from(out.data)).toEqual(Array.from(want.data));
    }
  });

  it('fills outside pixels with 0 in zero mode and keeps the mask pixel type', () => {
    const mask = { width: 2, height: 2, data: Uint8Array.from([1, 2, 3, 4]) };
    const out = extractPatch(mask, { x: -1, y: 0, size: 3, pad: 'zero' });
    expect(out.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(out.data)).toEqual([0, 1, 2, 0, 3, 4, 0, 0, 0]);
  });
});
