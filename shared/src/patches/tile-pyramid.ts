export interface PyramidLevel {
  /** DZI level number: 0 is 1×1, the last is full resolution. */
  level: number;
  width: number;
  height: number;
  cols: number;
  rows: number;
}

export interface TileBoundsOptions {
  /** Full-resolution image size. */
  width: number;
  height: number;
  tileSize: number;
  /** Pixels each tile shares with each neighbour (DZI `Overlap`). Default 0. */
  overlap?: number;
}

export interface TileRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Deep Zoom pyramid levels, level 0 first. The top level is ceil(log2(max(width, height))) and each
 * level below halves the one above with rounding up (as deepzoom.py and OpenSeadragon do).
 */
export function pyramidLevels(width: number, height: number, tileSize: number): PyramidLevel[] {
  for (const [key, value] of Object.entries({ width, height, tileSize })) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`pyramidLevels: ${key} must be a positive integer`);
  }
  const top = maxLevel(width, height);
  const levels: PyramidLevel[] = [];
  let w = width;
  let h = height;
  for (let level = top; level >= 0; level--) {
    levels.push({ level, width: w, height: h, cols: Math.ceil(w / tileSize), rows: Math.ceil(h / tileSize) });
    w = Math.ceil(w / 2);
    h = Math.ceil(h / 2);
  }
  return levels.reverse();
}

/**
 * The level-pixel rectangle a DZI tile covers: its tileSize core plus `overlap` pixels on each side
 * that has a neighbour, clipped to the level (OpenSeadragon's `getTileBounds` in pixels).
 */
export function tileBounds(level: number, col: number, row: number, options: TileBoundsOptions): TileRect {
  const { tileSize, overlap = 0 } = options;
  if (!Number.isInteger(overlap) || overlap < 0) {
    throw new RangeError('tileBounds: overlap must be a non-negative integer');
  }
  const info = pyramidLevels(options.width, options.height, tileSize)[level];
  if (info === undefined) throw new RangeError(`tileBounds: level ${level} is not in the pyramid`);
  if (!Number.isInteger(col) || !Number.isInteger(row) || col < 0 || row < 0 || col >= info.cols || row >= info.rows) {
    throw new RangeError(
      `tileBounds: tile (${col}, ${row}) is outside level ${level} (${info.cols}×${info.rows} tiles)`,
    );
  }
  const x = col === 0 ? 0 : col * tileSize - overlap;
  const y = row === 0 ? 0 : row * tileSize - overlap;
  return {
    x,
    y,
    width: Math.min(tileSize + (col === 0 ? 1 : 2) * overlap, info.width - x),
    height: Math.min(tileSize + (row === 0 ? 1 : 2) * overlap, info.height - y),
  };
}

/** ceil(log2(max(w, h))) in integer arithmetic, so exact powers of two never round the wrong way. */
function maxLevel(width: number, height: number): number {
  const size = Math.max(width, height);
  let level = 0;
  while (2 ** level < size) level++;
  return level;
}
