import { describe, expect, it } from 'vitest';
import { applyColormap } from './apply-colormap.js';
import { VIRIDIS } from './viridis.js';

// Three entries: red, green, blue.
const rgbLut = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255]);
const imageOf = (values: number[]) => ({ width: values.length, height: 1, data: Float32Array.from(values) });
const pixel = (rgba: Uint8ClampedArray, i: number) => Array.from(rgba.subarray(i * 4, i * 4 + 4));

describe('applyColormap', () => {
  it('maps min to the first entry, max to the last and the midpoint to the middle, opaque', () => {
    const out = applyColormap(imageOf([2, 3, 4]), { lut: rgbLut, min: 2, max: 4 });
    expect(out).toBeInstanceOf(Uint8ClampedArray);
    expect(Array.from(out)).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255]);
  });

  it('clips values outside [min, max]', () => {
    const out = applyColormap(imageOf([-5, 50]), { lut: VIRIDIS });
    expect(pixel(out, 0)).toEqual([...VIRIDIS.subarray(0, 3), 255]);
    expect(pixel(out, 1)).toEqual([...VIRIDIS.subarray(765, 768), 255]);
  });

  it('derives alpha from the normalised value when asked', () => {
    const out = applyColormap(imageOf([0, 0.5, 1, 2]), { lut: VIRIDIS, alphaFromValue: true });
    expect([0, 1, 2, 3].map((i) => pixel(out, i)[3])).toEqual([0, 128, 255, 255]);
  });

  it('leaves NaN pixels fully transparent', () => {
    expect(pixel(applyColormap(imageOf([Number.NaN]), { lut: rgbLut }), 0)).toEqual([0, 0, 0, 0]);
  });

  it('treats min === max as a step and rejects max < min', () => {
    const out = applyColormap(imageOf([1, 1.5]), { lut: rgbLut, min: 1, max: 1 });
    expect([pixel(out, 0), pixel(out, 1)]).toEqual([
      [255, 0, 0, 255],
      [0, 0, 255, 255],
    ]);
    expect(() => applyColormap(imageOf([0]), { lut: rgbLut, min: 1, max: 0 })).toThrow(RangeError);
  });
});
