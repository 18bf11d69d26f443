import { reflectIndex } from '@activeseg/shared';
import type { SlideSource } from './slide-source.js';

export interface ReadPaddedWindowOptions {
  /** Top-left corner at level 0; may be negative, and the window may run past the slide's right or bottom edge. */
  x: number;
  y: number;
  /** Edge of the square window. */
  size: number;
  /** Section of a volume (default 0). */
  z?: number;
  signal?: AbortSignal;
}

/**
 * A size × size level-0 window of grey bytes, filled past the slide's edges by mirror reflection (numpy
 * `mode='reflect'`, as training patches are padded), so the network sees plausible texture rather than a constant
 * band where an edge cell or a cell's context margin leaves the slide. Reads only the slide pixels the window uses.
 */
export async function readPaddedWindow(source: SlideSource, options: ReadPaddedWindowOptions): Promise<Uint8Array> {
  const { x, y, size, z, signal } = options;
  if (!Number.isInteger(x) || !Number.isInteger(y) || !Number.isInteger(size) || size < 1) {
    throw new RangeError(`readPaddedWindow: expected integer x, y and a positive size, got ${x}, ${y}, ${size}`);
  }
  const cols = Array.from({ length: size }, (_, i) => reflectIndex(x + i, source.width));
  const rows = Array.from({ length: size }, (_, i) => reflectIndex(y + i, source.height));
  const left = Math.min(...cols);
  const top = Math.min(...rows);
  const width = Math.max(...cols) + 1 - left;
  const height = Math.max(...rows) + 1 - top;
  const pixels = await source.readRegion({ level: 0, x: left, y: top, width, height, ...(z ? { z } : {}), signal });
  if (left === x && top === y && width === size && height === size) return pixels;
  const out = new Uint8Array(size * size);
  for (let j = 0; j < size; j++) {
    const from = ((rows[j] as number) - top) * width - left;
    for (let i = 0; i < size; i++) out[j * size + i] = pixels[from + (cols[i] as number)] as number;
  }
  return out;
}
