import { describe, expect, it } from 'vitest';
import { reflectIndex, reflectPad } from './reflect-pad.js';

describe('reflectIndex', () => {
  it('reflects without repeating the edge, like numpy reflect', () => {
    // np.pad([0, 1, 2], 7, mode='reflect') indices
    const want = [1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1];
    expect(Array.from({ length: 17 }, (_, i) => reflectIndex(i - 7, 3))).toEqual(want);
  });

  it('maps every index to 0 for a single sample', () => {
    expect([-3, 0, 5].map((i) => reflectIndex(i, 1))).toEqual([0, 0, 0]);
  });
});

describe('reflectPad', () => {
  it('pads each side independently and keeps the pixel type', () => {
    const img = { width: 3, height: 2, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    const out = reflectPad(img, { left: 2, right: 1, top: 1 });
    expect(out.data).toBeInstanceOf(Uint8Array);
    expect([out.width, out.height]).toEqual([6, 3]);
    // rows: reflected row 1, then rows 0 and 1; each row is [c2 c1 | c0 c1 c2 | c1]
    expect(Array.from(out.data)).toEqual([6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5]);
  });

  it('reflects repeatedly when the pad is larger than the image', () => {
    const img = { width: 2, height: 1, data: Float32Array.from([10, 20]) };
    const out = reflectPad(img, { left: 5, right: 5 });
    // np.pad([10, 20], 5, mode='reflect')
    expect(Array.from(out.data)).toEqual([20, 10, 20, 10, 20, 10, 20, 10, 20, 10, 20, 10]);
  });

  it('returns an equal copy with no padding and rejects negative pads', () => {
    const img = { width: 2, height: 2, data: Float32Array.from([1, 2, 3, 4]) };
    const out = reflectPad(img);
    expect(out.data).not.toBe(img.data);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 4]);
    expect(() => reflectPad(img, { top: -1 })).toThrow(RangeError);
  });
});
