import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { distanceTransform } from './distance-transform.js';
import type { MaskImage } from './types.js';

/** O(n²) reference: for every foreground pixel, scan all background pixels. */
function bruteForceSquared(mask: MaskImage, sy = 1, sx = 1): Float64Array {
  const { width, height, data } = mask;
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x] === 0) continue;
      let best = Number.POSITIVE_INFINITY;
      for (let by = 0; by < height; by++) {
        for (let bx = 0; bx < width; bx++) {
          if (data[by * width + bx] !== 0) continue;
          const d2 = ((by - y) * sy) ** 2 + ((bx - x) * sx) ** 2;
          if (d2 < best) best = d2;
        }
      }
      out[y * width + x] = best;
    }
  }
  return out;
}

function randomMask(seed: number, width: number, height: number, density: number): MaskImage {
  const rng = createRng(seed);
  const data = new Uint8Array(width * height);
  // Non-1 foreground labels check that "non-zero" means foreground.
  for (let i = 0; i < data.length; i++) data[i] = rng.next() < density ? 1 + rng.int(3) : 0;
  return { width, height, data };
}

function maskOf(rows: string[]): MaskImage {
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  return { width, height, data: Uint8Array.from(rows.join(''), (c) => (c === '#' ? 1 : 0)) };
}

describe('distanceTransform', () => {
  it('matches brute force squared distances exactly on random masks of random shapes and densities', () => {
    const rng = createRng(2024);
    for (let trial = 0; trial < 300; trial++) {
      const shape = trial % 10;
      const width = shape === 0 ? 1 : 1 + rng.int(24);
      const height = shape === 1 ? 1 : 1 + rng.int(24);
      const density = [0, 0.3, 0.7, 0.95, 1][trial % 5] as number;
      const mask = randomMask(trial, width, height, density);
      if (!mask.data.includes(0)) continue; // the no-background convention has its own test
      const got = distanceTransform(mask, { squared: true });
      expect(Array.from(got.data)).toEqual(Array.from(bruteForceSquared(mask)));
    }
  });

  it('matches brute force Euclidean distances with anisotropic sampling', () => {
    const rng = createRng(7);
    for (let trial = 0; trial < 100; trial++) {
      const width = 1 + rng.int(20);
      const height = 1 + rng.int(20);
      const mask = randomMask(1000 + trial, width, height, 0.8);
      if (!mask.data.includes(0)) continue;
      const sy = rng.uniform(0.2, 3);
      const sx = rng.uniform(0.2, 3);
      const got = distanceTransform(mask, { sampling: [sy, sx] });
      const want = bruteForceSquared(mask, sy, sx);
      for (let i = 0; i < want.length; i++) {
        expect(got.data[i]).toBeCloseTo(Math.sqrt(want[i] as number), 4);
      }
    }
  });

  it('gives zero on background and the exact Euclidean distance on a hand-checked mask', () => {
    const mask = maskOf(['.....', '.###.', '.###.', '.###.', '.....']);
    const got = distanceTransform(mask);
    expect(got.width).toBe(5);
    expect(got.height).toBe(5);
    expect(got.data[0]).toBe(0);
    expect(got.data[1 * 5 + 1]).toBe(1);
    expect(got.data[2 * 5 + 2]).toBe(2);
    const diagonal = distanceTransform(maskOf(['.##', '###', '###']));
    expect(diagonal.data[2 * 3 + 2]).toBeCloseTo(Math.SQRT2 * 2, 6);
  });

  it('returns all zeros for an all-background mask', () => {
    const got = distanceTransform({ width: 4, height: 3, data: new Uint8Array(12) });
    expect(Array.from(got.data)).toEqual(new Array(12).fill(0));
  });

  it('measures to the ring outside the image when there is no background pixel at all', () => {
    const got = distanceTransform(maskOf(['#####', '#####', '#####']), { squared: true });
    // Row 1 is two steps from the top and bottom ring; columns 0 and 4 are one step from the side ring.
    expect(Array.from(got.data)).toEqual([1, 1, 1, 1, 1, 1, 4, 4, 4, 1, 1, 1, 1, 1, 1]);
    const column = distanceTransform({ width: 1, height: 6, data: new Uint8Array(6).fill(1) });
    expect(Array.from(column.data)).toEqual([1, 1, 1, 1, 1, 1]);
    const scaled = distanceTransform(maskOf(['###', '###', '###']), { sampling: [1, 3] });
    // Centre pixel: 2 rows to the outside (2) beats 2 columns at spacing 3 (6).
    expect(scaled.data[4]).toBe(2);
    expect(Array.from(got.data).every(Number.isFinite)).toBe(true);
  });

  it('rejects non-positive sampling', () => {
    expect(() => distanceTransform(maskOf(['#.']), { sampling: [0, 1] })).toThrow(RangeError);
  });
});
