import { pyramidLevels, tileBounds } from '@activeseg/shared';
import sharp from 'sharp';
import type { SlideSource } from './slide-source.js';

/**
 * DZI layout used by the daemon: tiles of 256 px with NO overlap. Chosen over the classic 254 + 1 overlap
 * because 256 divides the 512 patch grid, so a patch's overlay update maps to exactly 2×2 full-resolution
 * tiles (and whole tiles at lower levels), tiles.updated can name tiles exactly, and caches stay simple.
 * OpenSeadragon handles overlap 0 without visible seams at the zoom levels it renders.
 *
 * DZI numbers levels from 0 = 1×1 px up to maxLevel = ceil(log2(max(w, h))) = full resolution; DZI level L
 * is SlideSource level (maxLevel − L).
 */
export interface DziLayout {
  width: number;
  height: number;
  tileSize: number;
  /** Full-resolution DZI level. */
  maxLevel: number;
}

export function dziLayout(size: { width: number; height: number }, tileSize = 256): DziLayout {
  const maxLevel = pyramidLevels(size.width, size.height, tileSize).length - 1;
  return { width: size.width, height: size.height, tileSize, maxLevel };
}

export interface DziTileBounds {
  /** SlideSource level to read from. */
  sourceLevel: number;
  /** Window in that level's pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** The same window in level-0 pixels (clipped to the slide). */
  level0: { x: number; y: number; width: number; height: number };
}

/** Bounds of tile (col, row) at DZI `level`, or undefined when it does not exist. */
export function dziTileBounds(layout: DziLayout, level: number, col: number, row: number): DziTileBounds | undefined {
  const info = Number.isInteger(level) ? pyramidLevels(layout.width, layout.height, layout.tileSize)[level] : undefined;
  if (!info || !Number.isInteger(col) || !Number.isInteger(row) || col < 0 || row < 0) return undefined;
  if (col >= info.cols || row >= info.rows) return undefined;
  const { x, y, width, height } = tileBounds(level, col, row, layout);
  const sourceLevel = layout.maxLevel - level;
  const d = 2 ** sourceLevel;
  const lx = x * d;
  const ly = y * d;
  return {
    sourceLevel,
    x,
    y,
    width,
    height,
    level0: {
      x: lx,
      y: ly,
      width: Math.min(layout.width - lx, width * d),
      height: Math.min(layout.height - ly, height * d),
    },
  };
}

export function dziDescriptor(layout: DziLayout, format: 'jpeg' | 'png' = 'jpeg'): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Image xmlns="http://schemas.microsoft.com/deepzoom/2008" Format="${format}" Overlap="0" TileSize="${layout.tileSize}">` +
    `<Size Width="${layout.width}" Height="${layout.height}"/></Image>\n`
  );
}

export type TileFormat = 'jpeg' | 'png';

export interface RenderDziTileOptions {
  format: TileFormat;
  jpegQuality?: number;
  signal?: AbortSignal;
}

/** Reads the tile's window from the source and encodes it. Returns undefined when the tile does not exist. */
export async function renderDziTile(
  source: SlideSource,
  layout: DziLayout,
  tile: { level: number; col: number; row: number; z?: number },
  options: RenderDziTileOptions,
): Promise<Uint8Array | undefined> {
  const b = dziTileBounds(layout, tile.level, tile.col, tile.row);
  if (!b) return undefined;
  const pixels = await source.readRegion({
    level: b.sourceLevel,
    x: b.x,
    y: b.y,
    width: b.width,
    height: b.height,
    ...(tile.z ? { z: tile.z } : {}),
    signal: options.signal,
  });
  const img = sharp(pixels, { raw: { width: b.width, height: b.height, channels: 1 } });
  const out =
    options.format === 'png'
      ? await img.png().toBuffer()
      : await img.jpeg({ quality: options.jpegQuality ?? 85, mozjpeg: false }).toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
