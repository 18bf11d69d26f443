import type { Region, TileRef } from '@activeseg/protocol';
import {
  forEachTile,
  type PyramidGeometry,
  pyramidLevels,
  type TileRange,
  tileBounds,
  tileRangesCovering,
} from '@activeseg/shared';

export { forEachTile, type PyramidGeometry, type TileRange };

/** The changed area of a `tiles.updated` message: an explicit tile list, a level-0 box, or both. */
export interface TileChange {
  tiles?: TileRef[] | undefined;
  bbox?: Region | undefined;
}

/**
 * Every OSD tile, at every DZI level, whose pixels depend on the changed area. Explicit tiles are first turned
 * into the level-0 rectangles they cover, so a full-resolution tile also invalidates the coarser tiles that
 * downsample it (and a coarse tile the finer tiles beneath it). Ranges are per input rectangle and may
 * overlap; consumers that need distinct tiles deduplicate with `forEachTile` into a set.
 */
export function invalidatedTileRanges(change: TileChange, geometry: PyramidGeometry): TileRange[] {
  const levels = pyramidLevels(geometry.width, geometry.height, geometry.tileSize);
  const top = levels.length - 1;
  const rects: Region[] = [];
  if (change.bbox) rects.push(change.bbox);
  for (const t of change.tiles ?? []) {
    const info = levels[t.level];
    // A tile outside the pyramid is a stale or foreign message; there is nothing on screen to refresh for it.
    if (!info || t.col >= info.cols || t.row >= info.rows) continue;
    const b = tileBounds(t.level, t.col, t.row, geometry);
    const scale = 2 ** (top - t.level);
    rects.push({ x: b.x * scale, y: b.y * scale, width: b.width * scale, height: b.height * scale });
  }
  return rects.flatMap((rect) => tileRangesCovering(rect, geometry));
}

/** Number of tiles the ranges name (overlapping ranges count twice; an upper bound of distinct tiles). */
export function countTiles(ranges: readonly TileRange[]): number {
  let n = 0;
  for (const r of ranges) n += (r.col1 - r.col0 + 1) * (r.row1 - r.row0 + 1);
  return n;
}

export function tileKey(tile: TileRef): string {
  return `${tile.level}/${tile.col}_${tile.row}`;
}

/** Distinct keys (`level/col_row`) of the tiles the ranges name. */
export function tileKeySet(ranges: readonly TileRange[]): Set<string> {
  const keys = new Set<string>();
  forEachTile(ranges, (t) => keys.add(tileKey(t)));
  return keys;
}
