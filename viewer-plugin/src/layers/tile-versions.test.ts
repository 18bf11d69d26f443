import { describe, expect, it } from 'vitest';
import { invalidatedTileRanges } from './tile-invalidation.js';
import { TileVersions } from './tile-versions.js';

const geometry = { width: 1024, height: 1024, tileSize: 256 };

describe('TileVersions', () => {
  it('moves only the updated tiles to the new version', () => {
    const v = new TileVersions({ baseVersion: 1 });
    expect(v.apply(invalidatedTileRanges({ bbox: { x: 0, y: 0, width: 512, height: 512 } }, geometry), 2)).toBe(
      'tiles',
    );
    expect(v.versionOf(10, 0, 0)).toBe(2);
    expect(v.versionOf(10, 1, 1)).toBe(2);
    expect(v.versionOf(10, 2, 0)).toBe(1);
    expect(v.versionOf(9, 0, 0)).toBe(2);
    expect(v.versionOf(9, 1, 0)).toBe(1);
  });

  it('turns an oversized update into a whole-layer reset', () => {
    const v = new TileVersions({ baseVersion: 1, maxOverrides: 3 });
    const all = invalidatedTileRanges({ bbox: { x: 0, y: 0, width: 1024, height: 1024 } }, geometry);
    expect(v.apply(all, 5)).toBe('all');
    expect(v.baseVersion).toBe(5);
    expect(v.overrideCount).toBe(0);
    expect(v.versionOf(10, 3, 3)).toBe(5);
  });

  it('drops overrides that equal the base version', () => {
    const v = new TileVersions({ baseVersion: 1 });
    const r = invalidatedTileRanges({ tiles: [{ level: 10, col: 0, row: 0 }] }, geometry);
    v.apply(r, 2);
    expect(v.overrideCount).toBeGreaterThan(0);
    v.apply(r, 1);
    expect(v.overrideCount).toBe(0);
  });
});
