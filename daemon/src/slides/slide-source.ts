/**
 * Everything tile rendering, the pyramid builder and inference know about a slide. They take a SlideSource,
 * never a path, so a new container format only needs a new implementation of this interface.
 *
 * Levels follow the OpenSlide convention: level 0 is full resolution and level k is downsampled by 2^k, with
 * size ceil(width / 2^k) × ceil(height / 2^k). (DZI numbers its levels the other way round; see dzi.ts.)
 */
export interface SlideSource {
  readonly width: number;
  readonly height: number;
  /** Native tile edge of the file (reads aligned to it are cheapest); 256 for untiled inputs. */
  readonly tileSize: number;
  /** Number of levels down to the first one that fits in a single tile. */
  readonly levels: number;
  /** Detected container format (`tiff`, `png`, …). */
  readonly format: string;
  /** z sections of a volume, each width × height; absent = 1 (a 2D slide). */
  readonly sections?: number;
  /** 8-bit grey, row-major, exactly `width × height` bytes; the window must lie inside the level. */
  readRegion(request: ReadRegionRequest): Promise<Uint8Array>;
}

export interface ReadRegionRequest {
  level: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Section of a volume; absent = 0. */
  z?: number;
  signal?: AbortSignal;
}

export function levelCount(width: number, height: number, tileSize: number): number {
  let levels = 1;
  let w = width;
  let h = height;
  while (w > tileSize || h > tileSize) {
    w = Math.ceil(w / 2);
    h = Math.ceil(h / 2);
    levels++;
  }
  return levels;
}

export function levelSize(
  source: Pick<SlideSource, 'width' | 'height'>,
  level: number,
): { width: number; height: number } {
  const d = 2 ** level;
  return { width: Math.ceil(source.width / d), height: Math.ceil(source.height / d) };
}

/** RangeError unless the window is a non-empty rectangle inside the level, on one of the source's sections. */
export function assertWindowInside(
  source: Pick<SlideSource, 'width' | 'height' | 'sections'>,
  req: ReadRegionRequest,
): void {
  const { level, x, y, width: w, height: h, z = 0 } = req;
  const sections = source.sections ?? 1;
  if (!Number.isInteger(z) || z < 0 || z >= sections) {
    throw new RangeError(`section ${z} is outside the slide's ${sections} section(s)`);
  }
  const size = Number.isInteger(level) && level >= 0 ? levelSize(source, level) : { width: 0, height: 0 };
  if (w <= 0 || h <= 0 || x < 0 || y < 0 || x + w > size.width || y + h > size.height) {
    throw new RangeError(`window ${x},${y} ${w}×${h} is outside level ${level} (${size.width}×${size.height})`);
  }
}
