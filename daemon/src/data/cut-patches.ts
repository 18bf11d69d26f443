import { extractPatch, type FloatImage, type MaskImage, patchGrid, patchId } from '@activeseg/shared';

export interface CutPatchesItem {
  id: string;
  image: FloatImage;
  mask: MaskImage;
  /** 0 = not annotated; absent means every pixel is annotated. */
  weight?: MaskImage;
}

export interface CutPatchesOptions {
  /** Patch edge in pixels; the grid stride equals it (no overlap). Default 512, the paper's patch size. */
  patchSize?: number;
}

export interface Patch {
  /** `${sourceId}@${x},${y}`: stable across runs, so annotations and scores can refer to a patch. */
  id: string;
  sourceId: string;
  /** Top-left corner in the source image, pixels. */
  x: number;
  y: number;
  /** Edge length; image, mask and weight are `size × size`, row-major. */
  size: number;
  image: Float32Array;
  mask: Uint8Array;
  /**
   * 1 where the pixel is a real, annotated source pixel; 0 in the reflect padding and where the source weight was 0.
   * Losses and metrics must multiply by it, or the mirrored padding would count twice as real tissue.
   */
  weight: Uint8Array;
}

export interface CutPatchesResult {
  patches: Patch[];
}

/**
 * Cuts every item into `patchSize` squares on a grid starting at (0, 0) with stride `patchSize`. Patches that run
 * past the right or bottom edge are filled by mirror reflection without repeating the edge pixel (numpy
 * `mode='reflect'`), so the network sees plausible texture at the border, and the padding gets weight 0.
 * Images are never resized or cropped; an image smaller than one patch gives one padded patch.
 */
export function cutPatches(items: readonly CutPatchesItem[], options: CutPatchesOptions = {}): CutPatchesResult {
  const { patchSize: size = 512 } = options;
  if (!Number.isInteger(size) || size <= 0) {
    throw new RangeError(`cutPatches: patchSize must be a positive integer, got ${size}`);
  }
  const patches: Patch[] = [];
  for (const item of items) {
    const { width, height } = item.image;
    if (item.mask.width !== width || item.mask.height !== height) {
      throw new RangeError(
        `cutPatches: ${item.id} image is ${width}×${height} but mask is ${item.mask.width}×${item.mask.height}`,
      );
    }
    const sourceWeight = item.weight?.data;
    for (const { x, y } of patchGrid({ width, height, patchSize: size })) {
      const image = extractPatch(item.image, { x, y, size }).data;
      const mask = extractPatch(item.mask, { x, y, size }).data;
      const weight = new Uint8Array(size * size);
      // Only the part inside the image is real; everything past the right/bottom edge stays 0.
      const w = Math.min(size, width - x);
      const h = Math.min(size, height - y);
      for (let dy = 0; dy < h; dy++) {
        const src = (y + dy) * width + x;
        for (let dx = 0; dx < w; dx++) {
          weight[dy * size + dx] = sourceWeight === undefined || (sourceWeight[src + dx] as number) !== 0 ? 1 : 0;
        }
      }
      patches.push({ id: patchId(item.id, x, y), sourceId: item.id, x, y, size, image, mask, weight });
    }
  }
  return { patches };
}
