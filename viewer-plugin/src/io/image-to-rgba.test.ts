import { describe, expect, it } from 'vitest';
import { imageToRgba } from './image-to-rgba.js';

describe('imageToRgba', () => {
  it('expands 8-bit grey to opaque RGBA', () => {
    const out = imageToRgba({ size: [2, 1], components: 1, data: Uint8Array.from([0, 200]) });
    expect(Array.from(out.rgba)).toEqual([0, 0, 0, 255, 200, 200, 200, 255]);
  });

  it('stretches 16-bit data from its own range', () => {
    const out = imageToRgba({ size: [3, 1], components: 1, data: Uint16Array.from([1000, 1500, 2000]) });
    expect(Array.from(out.rgba.filter((_, i) => i % 4 === 0))).toEqual([0, 128, 255]);
  });

  it('keeps RGB and RGBA channels', () => {
    expect(Array.from(imageToRgba({ size: [1, 1], components: 3, data: Uint8Array.from([1, 2, 3]) }).rgba)).toEqual([
      1, 2, 3, 255,
    ]);
    expect(Array.from(imageToRgba({ size: [1, 1], components: 4, data: Uint8Array.from([1, 2, 3, 4]) }).rgba)).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it('names the file in its errors', () => {
    expect(() => imageToRgba({ size: [2, 2], components: 1, data: null }, 'a.tif')).toThrow('a.tif: no pixel data');
    expect(() => imageToRgba({ size: [2, 2], components: 1, data: new Uint8Array(3) }, 'a.tif')).toThrow(/shorter/);
  });
});
