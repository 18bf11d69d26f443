import { describe, expect, it } from 'vitest';
import { forEachTile, tileRangesCovering } from './tile-ranges.js';

// 1541 × 1096 at 256 px: 12 levels (0…11), level 11 has 7 × 5 tiles.
const geometry = { width: 1541, height: 1096, tileSize: 256 };

describe('tileRangesCovering', () => {
  it('maps a 512 patch to 2×2 full-resolution tiles and one tile per coarser level', () => {
    const ranges = tileRangesCovering({ x: 512, y: 0, width: 512, height: 512 }, geometry);
    expect(ranges).toHaveLength(12);
    expect(ranges[11]).toEqual({ level: 11, col0: 2, col1: 3, row0: 0, row1: 1 });
    expect(ranges[10]).toEqual({ level: 10, col0: 1, col1: 1, row0: 0, row1: 0 });
    const tiles: string[] = [];
    forEachTile(ranges, (t) => tiles.push(`${t.level}/${t.col}_${t.row}`));
    expect(tiles).toHaveLength(4 + 11);
  });

  it('clips an edge patch to the image and returns nothing for a rectangle outside it', () => {
    expect(tileRangesCovering({ x: 1536, y: 1024, width: 512, height: 512 }, geometry)[11]).toEqual({
      level: 11,
      col0: 6,
      col1: 6,
      row0: 4,
      row1: 4,
    });
    expect(tileRangesCovering({ x: 4000, y: 0, width: 10, height: 10 }, geometry)).toEqual([]);
  });

  it('widens the range by the overlap on each side', () => {
    const ranges = tileRangesCovering({ x: 256, y: 256, width: 256, height: 256 }, { ...geometry, overlap: 1 });
    expect(ranges[11]).toEqual({ level: 11, col0: 0, col1: 2, row0: 0, row1: 2 });
  });
});
