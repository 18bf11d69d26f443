import type { ImagePixel } from '../state/viewer-state.js';

/** The whole pixel at `point` (level-0 image coordinates, fractional), or undefined past the slide's edges. */
export function pixelAt(
  point: { x: number; y: number },
  size: { width: number; height: number },
): ImagePixel | undefined {
  const x = Math.floor(point.x);
  const y = Math.floor(point.y);
  return x >= 0 && y >= 0 && x < size.width && y < size.height ? { x, y } : undefined;
}
