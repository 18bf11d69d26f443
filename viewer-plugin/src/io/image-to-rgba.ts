/** The parts of an itk-wasm `Image` the viewer needs, so the conversion tests without loading wasm. */
export interface PixelImage {
  /** [width, height, …]. */
  size: number[];
  /** Interleaved components per pixel (1 grey, 3 RGB, 4 RGBA). */
  components: number;
  data: ArrayLike<number> | null;
}

export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

/**
 * Interleaved grey/RGB/RGBA pixels of any numeric type → 8-bit RGBA for a canvas. Non-8-bit data (16-bit EM
 * TIFFs are common) is stretched from its own min…max, because a fixed /256 would show most slides black.
 */
export function imageToRgba(image: PixelImage, fileName = 'image'): RgbaImage {
  const [width = 0, height = 0] = image.size;
  const c = image.components;
  const data = image.data;
  if (!data || width < 1 || height < 1) throw new Error(`${fileName}: no pixel data`);
  if (![1, 2, 3, 4].includes(c)) throw new Error(`${fileName}: ${c} components per pixel are not supported`);
  if (data.length < width * height * c)
    throw new Error(`${fileName}: pixel buffer is shorter than ${width}×${height}×${c}`);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const is8bit = data instanceof Uint8Array || data instanceof Uint8ClampedArray;
  if (!is8bit) {
    for (let i = 0; i < width * height * c; i++) {
      const v = data[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const span = is8bit ? 255 : max - min || 1;
  const offset = is8bit ? 0 : min;
  const scale = (v: number) => ((v - offset) / span) * 255;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = p * c;
    const d = p * 4;
    if (c <= 2) {
      const g = scale(data[s]!);
      rgba[d] = g;
      rgba[d + 1] = g;
      rgba[d + 2] = g;
      rgba[d + 3] = c === 2 ? scale(data[s + 1]!) : 255;
    } else {
      rgba[d] = scale(data[s]!);
      rgba[d + 1] = scale(data[s + 1]!);
      rgba[d + 2] = scale(data[s + 2]!);
      rgba[d + 3] = c === 4 ? scale(data[s + 3]!) : 255;
    }
  }
  return { width, height, rgba };
}
