import type { FloatImage, MaskImage } from '@activeseg/shared';

export interface DownscaleResult {
  readonly image: FloatImage;
  readonly mask: MaskImage;
  readonly weight?: MaskImage;
}

/** Box-average downscaling of an image alone (for prediction, where there is no mask). */
export function downscaleImage(image: FloatImage, scale: number): FloatImage {
  const zeros = { width: image.width, height: image.height, data: new Uint8Array(image.width * image.height) };
  return downscalePair({ image, mask: zeros }, scale).image;
}

/**
 * Integer-factor downscaling for CPU-sized presets: the image by box averaging (no aliasing of the fine myelin
 * texture), the mask by majority vote over annotated pixels, the weight by "any annotated pixel in the block".
 */
export function downscalePair(
  pair: { image: FloatImage; mask: MaskImage; weight?: MaskImage },
  scale: number,
): DownscaleResult {
  if (scale === 1) return pair;
  const f = Math.round(1 / scale);
  if (!(scale > 0 && scale < 1) || Math.abs(1 / scale - f) > 1e-9) {
    throw new RangeError(`downscale: scale must be 1 or 1/k for an integer k, got ${scale}`);
  }
  const { width, height } = pair.image;
  const w = Math.floor(width / f);
  const h = Math.floor(height / f);
  if (w < 1 || h < 1) throw new RangeError(`downscale: ${width}×${height} is smaller than the factor ${f}`);
  const img = new Float32Array(w * h);
  const mask = new Uint8Array(w * h);
  const weight = new Uint8Array(w * h);
  const src = pair.image.data;
  const msrc = pair.mask.data;
  const wsrc = pair.weight?.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      let fg = 0;
      let annotated = 0;
      for (let dy = 0; dy < f; dy++) {
        const row = (y * f + dy) * width + x * f;
        for (let dx = 0; dx < f; dx++) {
          const i = row + dx;
          sum += src[i] as number;
          if (wsrc === undefined || wsrc[i] !== 0) {
            annotated++;
            if (msrc[i] !== 0) fg++;
          }
        }
      }
      const o = y * w + x;
      img[o] = sum / (f * f);
      mask[o] = annotated > 0 && fg * 2 >= annotated ? 1 : 0;
      weight[o] = annotated > 0 ? 1 : 0;
    }
  }
  return {
    image: { width: w, height: h, data: img },
    mask: { width: w, height: h, data: mask },
    ...(wsrc ? { weight: { width: w, height: h, data: weight } } : {}),
  };
}
