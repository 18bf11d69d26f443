import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { pyramidLevels, tileBounds } from './tile-pyramid.js';

describe('pyramidLevels', () => {
  it('follows the DZI level layout for a 1000×700 image with 256-px tiles', () => {
    const levels = pyramidLevels(1000, 700, 256);
    expect(levels).toHaveLength(11);
    expect(levels[10]).toEqual({ level: 10, width: 1000, height: 700, cols: 4, rows: 3 });
    expect(levels[9]).toEqual({ level: 9, width: 500, height: 350, cols: 2, rows: 2 });
    expect(levels[0]).toEqual({ level: 0, width: 1, height: 1, cols: 1, rows: 1 });
  });

  it('puts an exact power of two at level log2(size) and a 1×1 image at level 0 alone', () => {
    expect(pyramidLevels(1024, 1, 256).at(-1)?.level).toBe(10);
    expect(pyramidLevels(1025, 1, 256).at(-1)?.level).toBe(11);
    expect(pyramidLevels(1, 1, 256)).toEqual([{ level: 0, width: 1, height: 1, cols: 1, rows: 1 }]);
  });

  it("matches OpenSeadragon's direct formula ceil(size · 2^(level − max)) for random sizes", () => {
    const rng = createRng(23);
    for (let trial = 0; trial < 200; trial++) {
      const width = 1 + rng.int(100_000);
      const height = 1 + rng.int(100_000);
      const levels = pyramidLevels(width, height, 254);
      const top = Math.ceil(Math.log2(Math.max(width, height)));
      expect(levels).toHaveLength(top + 1);
      for (const l of levels) {
        const scale = 2 ** (l.level - top);
        expect([l.width, l.height]).toEqual([Math.ceil(width * scale), Math.ceil(height * scale)]);
        expect([l.cols, l.rows]).toEqual([Math.ceil(l.width / 254), Math.ceil(l.height / 254)]);
      }
    }
  });
});

describe('tileBounds', () => {
  const options = { width: 1000, height: 700, tileSize: 254, overlap: 1 };

  it('adds overlap only on sides with a neighbour and clips the last tiles', () => {
    expect(tileBounds(10, 0, 0, options)).toEqual({ x: 0, y: 0, width: 255, height: 255 });
    expect(tileBounds(10, 1, 1, options)).toEqual({ x: 253, y: 253, width: 256, height: 256 });
    expect(tileBounds(10, 3, 2, options)).toEqual({ x: 761, y: 507, width: 239, height: 193 });
  });

  it('covers each level exactly once by tile cores, each tile containing its core', () => {
    for (const overlap of [0, 1, 3]) {
      const opts = { width: 777, height: 333, tileSize: 64, overlap };
      for (const level of pyramidLevels(777, 333, 64)) {
        const hits = new Uint8Array(level.width * level.height);
        for (let row = 0; row < level.rows; row++) {
          for (let col = 0; col < level.cols; col++) {
            const b = tileBounds(level.level, col, row, opts);
            const core = {
              x: col * 64,
              y: row * 64,
              x1: Math.min((col + 1) * 64, level.width),
              y1: Math.min((row + 1) * 64, level.height),
            };
            expect(b.x).toBeLessThanOrEqual(core.x);
            expect(b.y).toBeLessThanOrEqual(core.y);
            expect(b.x + b.width).toBeGreaterThanOrEqual(core.x1);
            expect(b.y + b.height).toBeGreaterThanOrEqual(core.y1);
            expect(b.x + b.width).toBeLessThanOrEqual(level.width);
            expect(b.y + b.height).toBeLessThanOrEqual(level.height);
            for (let y = core.y; y < core.y1; y++)
              for (let x = core.x; x < core.x1; x++) hits[y * level.width + x] = (hits[y * level.width + x] ?? 0) + 1;
          }
        }
        expect(hits.every((h) => h === 1)).toBe(true);
      }
    }
  });

  it('rejects tiles and levels outside the pyramid', () => {
    expect(() => tileBounds(10, 4, 0, options)).toThrow(/outside level 10/);
    expect(() => tileBounds(11, 0, 0, options)).toThrow(/level 11/);
  });
});
