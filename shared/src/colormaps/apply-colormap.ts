import type { FloatImage } from '../image/types.js';

export interface ApplyColormapOptions {
  /** RGB lookup table, 3 bytes per entry, any number of entries (e.g. `VIRIDIS`). */
  lut: Uint8Array;
  /** Value mapped to the first entry; lower values are clipped. Default 0. */
  min?: number;
  /** Value mapped to the last entry; higher values are clipped. Default 1. */
  max?: number;
  /** Alpha follows the normalised value (0 at min, 255 at max), so low values fade out in an overlay. */
  alphaFromValue?: boolean;
}

/**
 * Map a float image through a colour table to RGBA (row-major, ImageData layout). Values are
 * clipped to [min, max]; with min === max everything above min takes the last entry. NaN pixels
 * are fully transparent so missing predictions never show as a colour.
 */
export function applyColormap(img: FloatImage, options: ApplyColormapOptions): Uint8ClampedArray {
  const { lut, min = 0, max = 1, alphaFromValue = false } = options;
  const entries = Math.floor(lut.length / 3);
  if (entries < 1) throw new RangeError('applyColormap: lut needs at least one RGB entry');
  if (!(max >= min)) throw new RangeError(`applyColormap: max (${max}) must be ≥ min (${min})`);
  const span = max - min;
  const n = img.width * img.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const v = img.data[i] as number;
    if (Number.isNaN(v)) continue;
    const t = span > 0 ? Math.min(Math.max((v - min) / span, 0), 1) : v > min ? 1 : 0;
    const entry = Math.round(t * (entries - 1)) * 3;
    out[i * 4] = lut[entry] as number;
    out[i * 4 + 1] = lut[entry + 1] as number;
    out[i * 4 + 2] = lut[entry + 2] as number;
    out[i * 4 + 3] = alphaFromValue ? Math.round(t * 255) : 255;
  }
  return out;
}
