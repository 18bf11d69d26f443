import type { FloatImage, MaskImage } from './types.js';

/** Binarise a probability map: strictly above `t` → 1, else 0 (NaN → 0, so undefined pixels never count as foreground). */
export function threshold(img: FloatImage, t = 0.5): MaskImage {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (img.data[i] as number) > t ? 1 : 0;
  return { width: img.width, height: img.height, data: out };
}
