import { pyramidLevels } from '@activeseg/shared';
import { describe, expect, it } from 'vitest';
import { countTiles, invalidatedTileRanges, tileKeySet } from './tile-invalidation.js';

// 1541 × 1096 at 256 px: 12 levels (0…11), level 11 has 7 × 5 tiles.
const geometry = { width: 1541, height: 1096, tileSize: 256 };

describe('invalidatedTileRanges', () => {
  it('a 512 patch bbox maps to 2×2 full-resolution tiles and one tile per coarse level', () => {
    const ranges = invalidatedTileRanges({ bbox: { x: 512, y: 0, width: 512, height: 512 } }, geometry);
    expect(ranges).toHaveLength(12);
    expect(ranges.find((r) => r.level === 11)).toEqual({ level: 11, col0: 2, col1: 3, row0: 0, row1: 1 });
    expect(ranges.find((r) => r.level === 10)).toEqual({ level: 10, col0: 1, col1: 1, row0: 0, row1: 0 });
    expect(ranges.find((r) => r.level === 0)).toEqual({ level: 0, col0: 0, col1: 0, row0: 0, row1: 0 });
    expect(countTiles(ranges)).toBe(4 + 11);
  });

  it('explicit full-resolution tiles invalidate their ancestors', () => {
    const keys = tileKeySet(
      invalidatedTileRanges(
        {
          tiles: [
            { level: 11, col: 6, row: 4 },
            { level: 11, col: 0, row: 0 },
          ],
        },
        geometry,
      ),
    );
    expect(keys.has('11/6_4')).toBe(true);
    expect(keys.has('11/0_0')).toBe(true);
    expect(keys.has('11/5_4')).toBe(false);
    expect(keys.has('10/3_2')).toBe(true);
    expect(keys.has('9/1_1')).toBe(true);
    // Scattered tiles are not merged into one bounding box.
    expect(keys.has('11/3_2')).toBe(false);
    // Both collapse to the single level-0 tile.
    expect([...keys].filter((k) => k.startsWith('0/'))).toEqual(['0/0_0']);
  });

  it('a coarse tile invalidates the finer tiles beneath it', () => {
    const keys = tileKeySet(invalidatedTileRanges({ tiles: [{ level: 10, col: 0, row: 0 }] }, geometry));
    for (const k of ['11/0_0', '11/1_0', '11/0_1', '11/1_1']) expect(keys.has(k)).toBe(true);
    expect(keys.has('11/2_0')).toBe(false);
  });

  it('clips boxes past the slide edge and ignores tiles outside the pyramid', () => {
    const ranges = invalidatedTileRanges({ bbox: { x: 1536, y: 1024, width: 512, height: 512 } }, geometry);
    expect(ranges.find((r) => r.level === 11)).toEqual({ level: 11, col0: 6, col1: 6, row0: 4, row1: 4 });
    expect(invalidatedTileRanges({ bbox: { x: 4000, y: 0, width: 10, height: 10 } }, geometry)).toEqual([]);
    expect(invalidatedTileRanges({ tiles: [{ level: 11, col: 99, row: 0 }] }, geometry)).toEqual([]);
    expect(invalidatedTileRanges({ tiles: [{ level: 40, col: 0, row: 0 }] }, geometry)).toEqual([]);
  });

  it('widens ranges by the DZI overlap', () => {
    const ranges = invalidatedTileRanges({ bbox: { x: 256, y: 0, width: 1, height: 1 } }, { ...geometry, overlap: 1 });
    // Pixel 256 lies in tile 1's core and in tile 0's 1-px overlap.
    expect(ranges.find((r) => r.level === 11)).toMatchObject({ col0: 0, col1: 1 });
  });

  it('agrees with the pyramid on every level for a whole-slide box', () => {
    const ranges = invalidatedTileRanges({ bbox: { x: 0, y: 0, width: 1541, height: 1096 } }, geometry);
    const levels = pyramidLevels(1541, 1096, 256);
    expect(countTiles(ranges)).toBe(levels.reduce((n, l) => n + l.cols * l.rows, 0));
  });
});
