import { describe, expect, it } from 'vitest';
import type { FloatImage, MaskImage } from '../image/types.js';
import { applyAffine } from './apply-affine.js';
import { composeAffine, IDENTITY_AFFINE, IDENTITY_AFFINE_PARAMS } from './compose-affine.js';

function ramp(width: number, height: number): FloatImage {
  return { width, height, data: Float32Array.from({ length: width * height }, (_, i) => (i * 37) % 251) };
}

function disc(size: number, radius: number, cx = (size - 1) / 2, cy = (size - 1) / 2): MaskImage {
  const data = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) data[y * size + x] = (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2 ? 1 : 0;
  }
  return { width: size, height: size, data };
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

describe('applyAffine', () => {
  it('returns the input unchanged for the identity matrix, bilinear and nearest', () => {
    const img = ramp(13, 9);
    expect(Array.from(applyAffine(img, IDENTITY_AFFINE).data)).toEqual(Array.from(img.data));
    const mask = blobs(16);
    expect(Array.from(applyAffine(mask, IDENTITY_AFFINE, { interpolation: 'nearest' }).data)).toEqual(
      Array.from(mask.data),
    );
  });

  it('a pure horizontal flip equals the row-reversed array', () => {
    const img = ramp(7, 5);
    const flipped = applyAffine(img, composeAffine({ ...IDENTITY_AFFINE_PARAMS, flipH: true }));
    const expected: number[] = [];
    for (let y = 0; y < 5; y++) for (let x = 6; x >= 0; x--) expected.push(img.data[y * 7 + x] as number);
    expect(Array.from(flipped.data)).toEqual(expected);
  });

  it('a pure vertical flip equals the column-reversed array', () => {
    const img = ramp(6, 4);
    const flipped = applyAffine(img, composeAffine({ ...IDENTITY_AFFINE_PARAMS, flipV: true }));
    const expected: number[] = [];
    for (let y = 3; y >= 0; y--) for (let x = 0; x < 6; x++) expected.push(img.data[y * 6 + x] as number);
    expect(Array.from(flipped.data)).toEqual(expected);
  });

  it('shifts content by whole pixels in the stated direction', () => {
    const img = ramp(8, 8);
    const moved = applyAffine(img, composeAffine({ ...IDENTITY_AFFINE_PARAMS, shiftX: 2, shiftY: 1 }));
    expect(moved.data[3 * 8 + 5]).toBe(img.data[2 * 8 + 3]);
  });

  it('reflects with the edge pixel repeated (Keras/scipy reflect) where the shift uncovers the border', () => {
    const row = { width: 5, height: 1, data: Float32Array.from([10, 20, 30, 40, 50]) };
    const moved = applyAffine(row, composeAffine({ ...IDENTITY_AFFINE_PARAMS, shiftX: 2 }));
    expect(Array.from(moved.data)).toEqual([20, 10, 10, 20, 30]);
  });

  it('fills with the constant where the source is outside the image', () => {
    const row = { width: 5, height: 1, data: Float32Array.from([10, 20, 30, 40, 50]) };
    const moved = applyAffine(row, composeAffine({ ...IDENTITY_AFFINE_PARAMS, shiftX: 2 }), {
      fill: 'constant',
      constant: -1,
    });
    expect(Array.from(moved.data)).toEqual([-1, -1, 10, 20, 30]);
  });

  it('keeps the area of a centred disc within 2 % under a 17° rotation', () => {
    const mask = disc(101, 30);
    const rotated = applyAffine(mask, composeAffine({ ...IDENTITY_AFFINE_PARAMS, rotationDeg: 17 }), {
      interpolation: 'nearest',
    });
    const before = sum(mask.data);
    expect(Math.abs(sum(rotated.data) - before) / before).toBeLessThan(0.02);
  });

  it('scales the area of a disc by zoom²', () => {
    const mask = disc(101, 20);
    const zoomed = applyAffine(mask, composeAffine({ ...IDENTITY_AFFINE_PARAMS, zoom: 1.2 }), {
      interpolation: 'nearest',
    });
    const ratio = sum(zoomed.data) / sum(mask.data);
    expect(ratio).toBeGreaterThan(1.44 * 0.97);
    expect(ratio).toBeLessThan(1.44 * 1.03);
  });
});
