import { type PyramidLevel, pyramidLevels } from './tile-pyramid.js';

/** A DZI pyramid: full-resolution size, tile size and overlap. */
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

/** A level-0 pixel rectangle. */
export interface PixelRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The tiles, at every DZI level, whose pixels depend on a level-0 rectangle (clipped to the image; nothing when it
 * lies outside): a re-scored patch makes exactly these overlay tiles stale, on the daemon's disk and on screen.
 */
export function tileRangesCovering(rect: PixelRect, geometry: PyramidGeometry): TileRange[] {
  const levels = pyramidLevels(geometry.width, geometry.height, geometry.tileSize);
  const top = levels.length - 1;
  const ranges: TileRange[] = [];
  for (const info of levels) {
    const range = rangeAtLevel(rect, info, top, geometry);
    if (range) ranges.push(range);
  }
  return ranges;
}

export function forEachTile(
  ranges: readonly TileRange[],
  visit: (tile: { level: number; col: number; row: number }) => void,
): void {
  for (const r of ranges) {
    for (let row = r.row0; row <= r.row1; row++) {
      for (let col = r.col0; col <= r.col1; col++) visit({ level: r.level, col, row });
    }
  }
}

function rangeAtLevel(rect: PixelRect, info: PyramidLevel, top: number, geometry: PyramidGeometry): TileRange | null {
  const { tileSize, overlap = 0 } = geometry;
  const scale = 2 ** (top - info.level);
  // Clip to the image first: a rectangle may run past the edge (edge patches do).
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
