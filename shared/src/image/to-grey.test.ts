import { describe, expect, it } from 'vitest';
import { scaleTo8Bit } from './scale-to-8-bit.js';
import { toGrey } from './to-grey.js';

describe('toGrey (BT.601 on stored values, alpha ignored)', () => {
  it('weights RGB 0.299/0.587/0.114 and rounds integer samples', () => {
    const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 200, 30]);
    expect(Array.from(toGrey(rgb, { bands: 3, pixels: 4 }))).toEqual([76, 150, 29, 124]);
  });

  it('ignores alpha in RGBA and grey + alpha, and keeps equal RGB exact', () => {
    const rgba = Uint16Array.from([1000, 30000, 60000, 0, 40000, 40000, 40000, 65535]);
    const grey = toGrey(rgba, { bands: 4, pixels: 2 });
    expect(grey).toBeInstanceOf(Uint16Array);
    expect(Array.from(grey)).toEqual([24749, 40000]);
    expect(Array.from(toGrey(Uint8Array.from([7, 0, 9, 255]), { bands: 2, pixels: 2 }))).toEqual([7, 9]);
  });

  it('keeps float samples unrounded', () => {
    const y = toGrey(Float32Array.from([0.5, 0.25, 1]), { bands: 3, pixels: 1 });
    expect(y[0]).toBeCloseTo(0.299 * 0.5 + 0.587 * 0.25 + 0.114, 6);
  });

  it('refuses band counts and lengths that do not fit', () => {
    expect(() => toGrey(new Uint8Array(10), { bands: 5, pixels: 2 })).toThrow(RangeError);
    expect(() => toGrey(new Uint8Array(5), { bands: 3, pixels: 2 })).toThrow(RangeError);
  });
});

describe('scaleTo8Bit', () => {
  it('rounds v / 257', () => {
    expect(Array.from(scaleTo8Bit(Uint16Array.from([0, 128, 129, 257, 24749, 65535])))).toEqual([0, 0, 1, 1, 96, 255]);
  });
});
