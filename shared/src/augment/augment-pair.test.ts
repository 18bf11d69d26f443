import { describe, expect, it } from 'vitest';
import type { FloatImage, MaskImage } from '../image/types.js';
import { createRng } from '../random/rng.js';
import { augmentPair } from './augment-pair.js';

function ramp(width: number, height: number): FloatImage {
  return { width, height, data: Float32Array.from({ length: width * height }, (_, i) => (i * 37) % 251) };
}

/** A few blobs off centre, so flips and shifts are visible and the pair has structure to misalign. */
function blobs(size: number): MaskImage {
  const data = new Uint8Array(size * size);
  const centres = [
    [0.3, 0.25, 0.12],
    [0.7, 0.4, 0.09],
    [0.45, 0.75, 0.15],
  ] as const;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (const [u, v, r] of centres) {
        if ((x - u * size) ** 2 + (y - v * size) ** 2 <= (r * size) ** 2) data[y * size + x] = 1;
      }
    }
  }
  return { width: size, height: size, data };
}

const sum = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0);

describe('augmentPair', () => {
  it('is the identity when every range is zero and flips have probability 0', () => {
    const image = ramp(20, 12);
    const mask: MaskImage = { width: 20, height: 12, data: Uint8Array.from(image.data, (v) => (v > 100 ? 1 : 0)) };
    const out = augmentPair({ image, mask }, createRng(3), {
      ranges: { shiftFraction: 0, rotationDeg: 0, flipHProbability: 0, flipVProbability: 0, zoomRange: [1, 1] },
    });
    expect(Array.from(out.image.data)).toEqual(Array.from(image.data));
    expect(Array.from(out.mask.data)).toEqual(Array.from(mask.data));
    expect(out.weight.data.every((w) => w === 1)).toBe(true);
  });

  it('gives identical output for the same seed and different output for another', () => {
    const mask = blobs(48);
    const image = { width: 48, height: 48, data: Float32Array.from(mask.data, (v) => v * 255) };
    const a = augmentPair({ image, mask }, createRng(11));
    const b = augmentPair({ image, mask }, createRng(11));
    const c = augmentPair({ image, mask }, createRng(12));
    expect(Array.from(a.image.data)).toEqual(Array.from(b.image.data));
    expect(Array.from(a.mask.data)).toEqual(Array.from(b.mask.data));
    expect(a.params).toEqual(b.params);
    expect(Array.from(a.image.data)).not.toEqual(Array.from(c.image.data));
  });

  it('keeps the mask and weight binary', () => {
    const mask = blobs(64);
    const image = ramp(64, 64);
    const rng = createRng(5);
    for (let i = 0; i < 10; i++) {
      const out = augmentPair({ image, mask }, rng);
      expect(out.mask.data.every((v) => v === 0 || v === 1)).toBe(true);
      expect(out.weight.data.every((v) => v === 0 || v === 1)).toBe(true);
    }
  });

  it('keeps image and mask aligned: the thresholded image matches the mask up to boundary pixels', () => {
    const size = 96;
    const mask = blobs(size);
    const image = { width: size, height: size, data: Float32Array.from(mask.data, (v) => v * 255) };
    const rng = createRng(21);
    for (let i = 0; i < 8; i++) {
      const out = augmentPair({ image, mask }, rng);
      let disagree = 0;
      for (let k = 0; k < size * size; k++) {
        if ((out.image.data[k] as number) > 127.5 !== (out.mask.data[k] === 1)) disagree++;
      }
      // Bilinear-then-threshold and nearest differ only on the half-pixel band along the blob outlines.
      expect(disagree / (size * size)).toBeLessThan(0.01);
      expect(sum(out.mask.data)).toBeGreaterThan(0);
    }
  });

  it('moves the weight with the pair, and with constant fill zeroes the weight of pixels from outside', () => {
    const size = 32;
    const mask = blobs(size);
    const image = { width: size, height: size, data: Float32Array.from(mask.data, (v) => v * 255) };
    // Weight 0 on the left half, as if that part were padding.
    const weight: MaskImage = {
      width: size,
      height: size,
      data: Uint8Array.from({ length: size * size }, (_, k) => (k % size < 16 ? 0 : 1)),
    };
    const out = augmentPair({ image, mask, weight }, createRng(0), {
      ranges: { shiftFraction: 0, rotationDeg: 0, flipHProbability: 1, flipVProbability: 0, zoomRange: [1, 1] },
    });
    // After a horizontal flip the unannotated half is on the right.
    expect(out.weight.data[0]).toBe(1);
    expect(out.weight.data[size - 1]).toBe(0);

    const shifted = augmentPair({ image, mask }, createRng(0), {
      ranges: { shiftFraction: 0.25, rotationDeg: 0, flipHProbability: 0, flipVProbability: 0, zoomRange: [1, 1] },
      fill: 'constant',
    });
    const dx = Math.round(shifted.params.shiftX);
    expect(Math.abs(dx)).toBeGreaterThan(0);
    const edgeColumn = dx > 0 ? 0 : size - 1;
    expect(shifted.weight.data[edgeColumn]).toBe(0);
    expect(shifted.mask.data[edgeColumn]).toBe(0);
  });

  it('rejects a mask whose size differs from the image', () => {
    const image = ramp(8, 8);
    const mask: MaskImage = { width: 8, height: 7, data: new Uint8Array(56) };
    expect(() => augmentPair({ image, mask }, createRng(1))).toThrow(/mask is 8×7/);
  });
});
