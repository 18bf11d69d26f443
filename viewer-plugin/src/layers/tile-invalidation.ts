import type { Region, TileRef } from '@activeseg/protocol';
import { type PyramidLevel, pyramidLevels, tileBounds } from '@activeseg/shared';

/** The DZI pyramid the overlay is served on (DziLayout on the daemon side). */
export interface PyramidGeometry {
  width: number;
  height: number;
  tileSize: number;
  /** DZI Overlap. Default 0 (the daemon serves overlap-free tiles). */
  overlap?: number;
}

/** An inclusive rectangle of tiles at one DZI level. */
export interface TileRange {
  level: number;
  col0: number;
  col1: number;
  row0: number;
  row1: number;
}

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
  const ranges: TileRange[] = [];
  for (const rect of rects) {
    for (const info of levels) {
      const range = rangeAtLevel(rect, info, top, geometry);
      if (range) ranges.push(range);
    }
  }
  return ranges;
}

function rangeAtLevel(rect: Region, info: PyramidLevel, top: number, geometry: PyramidGeometry): TileRange | null {
  const { tileSize, overlap = 0 } = geometry;
  const scale = 2 ** (top - info.level);
  // Clip to the slide first: a bbox may run past the edge (edge patches do).
  const x0 = Math.max(0, rect.x);
  const y0 = Math.max(0, rect.y);
  const x1 = Math.min(geometry.width, rect.x + rect.width);
  const y1 = Math.min(geometry.height, rect.y + rect.height);
  if (x1 <= x0 || y1 <= y0) return null;
  // Level pixels touched (inclusive), then every tile whose core-plus-overlap contains one of them.
  const px0 = Math.floor(x0 / scale);
  const py0 = Math.floor(y0 / scale);
  const px1 = Math.min(info.width - 1, Math.ceil(x1 / scale) - 1);
  const py1 = Math.min(info.height - 1, Math.ceil(y1 / scale) - 1);
  return {
    level: info.level,
    col0: Math.max(0, Math.floor((px0 - overlap) / tileSize)),
    col1: Math.min(info.cols - 1, Math.floor((px1 + overlap) / tileSize)),
    row0: Math.max(0, Math.floor((py0 - overlap) / tileSize)),
    row1: Math.min(info.rows - 1, Math.floor((py1 + overlap) / tileSize)),
  };
}

/** Number of tiles the ranges name (overlapping ranges count twice; an upper bound of distinct tiles). */
export function countTiles(ranges: readonly TileRange[]): number {
  let n = 0;
  for (const r of ranges) n += (r.col1 - r.col0 + 1) * (r.row1 - r.row0 + 1);
  return n;
}

export function forEachTile(ranges: readonly TileRange[], visit: (tile: TileRef) => void): void {
  for (const r of ranges) {
    for (let row = r.row0; row <= r.row1; row++) {
      for (let col = r.col0; col <= r.col1; col++) visit({ level: r.level, col, row });
    }
  }
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
