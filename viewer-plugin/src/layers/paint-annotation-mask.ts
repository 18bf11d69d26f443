/** RGBA colour, 0–255 per channel. */
export type Rgba = readonly [number, number, number, number];

export interface PaintAnnotationMaskOptions {
  /** Inside the mask. Default a translucent cyan, apart from the editor's magenta. */
  fill?: Rgba;
  /** Mask pixels with a background (or out-of-region) 4-neighbour. Default opaque cyan. */
  outline?: Rgba;
}

const FILL: Rgba = [0, 229, 255, 80];
const OUTLINE: Rgba = [0, 229, 255, 255];

/**
 * The RGBA image of one stored annotation: its myelin pixels filled, their boundary outlined, background clear.
 * `mask` is one byte per pixel of a `width × height` region, non-zero for myelin.
 */
export function paintAnnotationMask(
  mask: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  options: PaintAnnotationMaskOptions = {},
): Uint8ClampedArray<ArrayBuffer> {
  const fill = options.fill ?? FILL;
  const outline = options.outline ?? OUTLINE;
  const out = new Uint8ClampedArray(width * height * 4);
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] !== 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!on(x, y)) continue;
      const edge = !on(x - 1, y) || !on(x + 1, y) || !on(x, y - 1) || !on(x, y + 1);
      out.set(edge ? outline : fill, (y * width + x) * 4);
    }
  }
  return out;
}
