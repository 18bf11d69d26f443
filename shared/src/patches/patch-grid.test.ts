import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { patchGrid } from './patch-grid.js';

describe('patchGrid', () => {
  it('tiles without overlap by default, letting the last row and column run past the edge', () => {
    const grid = patchGrid({ width: 600, height: 300, patchSize: 256 });
    expect(grid.map((p) => [p.x, p.y])).toEqual([
      [0, 0],
      [256, 0],
      [512, 0],
      [0, 256],
      [256, 256],
      [512, 256],
    ]);
    expect(grid.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(grid.every((p) => p.width === 256 && p.height === 256)).toBe(true);
  });

  it('returns a single patch for an image smaller than one patch', () => {
    expect(patchGrid({ width: 10, height: 3, patchSize: 64 })).toEqual([
      { index: 0, x: 0, y: 0, width: 64, height: 64 },
    ]);
  });

  it('covers every pixel with the fewest strided patches, for random sizes and strides', () => {
    const rng = createRng(5);
    for (let trial = 0; trial < 200; trial++) {
      const patchSize = 1 + rng.int(40);
      const stride = 1 + rng.int(patchSize);
      const width = 1 + rng.int(150);
      const height = 1 + rng.int(150);
      const grid = patchGrid({ width, height, patchSize, stride });
      const xs = [...new Set(grid.map((p) => p.x))];
      const ys = [...new Set(grid.map((p) => p.y))];
      for (const [origins, length] of [
        [xs, width],
        [ys, height],
      ] as const) {
        expect(origins.every((o, i) => o === i * stride)).toBe(true);
        const last = origins[origins.length - 1] as number;
        expect(last + patchSize).toBeGreaterThanOrEqual(length);
        // One patch fewer would not reach the edge.
        if (origins.length > 1) expect(last - stride + patchSize).toBeLessThan(length);
      }
      expect(grid).toHaveLength(xs.length * ys.length);
    }
  });

  it('rejects non-positive or fractional sizes', () => {
    expect(() => patchGrid({ width: 10, height: 10, patchSize: 0 })).toThrow(/patchSize/);
    expect(() => patchGrid({ width: 10, height: 10, patchSize: 4, stride: 1.5 })).toThrow(/stride/);
  });
});
