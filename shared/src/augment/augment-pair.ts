import type { FloatImage, MaskImage } from '../image/types.js';
import type { Rng } from '../random/rng.js';
import { applyAffine } from './apply-affine.js';
import type { AffineMatrix, AffineParams } from './compose-affine.js';
import { type SampleAffineOptions, sampleAffine } from './random-affine.js';

export interface AugmentPairInput {
  image: FloatImage;
  mask: MaskImage;
  /** 0 = not annotated; absent means all ones. */
  weight?: MaskImage;
}

export interface AugmentPairOptions {
  /** Augmentation ranges (width and height come from the image). Defaults: paper Table I. */
  ranges?: Omit<SampleAffineOptions, 'width' | 'height'>;
  /**
   * Out-of-image fill. Default 'reflect' for image, mask and weight alike, following Keras' ImageDataGenerator
   * (`fill_mode='reflect'`): mirrored tissue is consistent between image and mask, so it is a valid label and
   * keeps its weight. 'constant' fills the image with `constant`, the mask with 0 and the weight with 0, so pixels
   * that came from outside the source never count in the loss.
   */
  fill?: 'reflect' | 'constant';
  /** Image value for `fill: 'constant'`. Default 0. */
  constant?: number;
}

export interface AugmentPairResult {
  image: FloatImage;
  mask: MaskImage;
  weight: MaskImage;
  matrix: AffineMatrix;
  params: AffineParams;
}

/**
 * One random geometric augmentation applied identically to an image (bilinear), its mask and its weight
 * (nearest, so they stay in their value sets). Deterministic in the rng: same seed, same output.
 */
export function augmentPair(pair: AugmentPairInput, rng: Rng, options: AugmentPairOptions = {}): AugmentPairResult {
  const { image, mask } = pair;
  const { width, height } = image;
  for (const [name, other] of [
    ['mask', mask],
    ['weight', pair.weight],
  ] as const) {
    if (other !== undefined && (other.width !== width || other.height !== height)) {
      throw new RangeError(
        `augmentPair: ${name} is ${other.width}×${other.height} but the image is ${width}×${height}`,
      );
    }
  }
  const { fill = 'reflect', constant = 0 } = options;
  const { matrix, params } = sampleAffine(rng, { ...options.ranges, width, height });
  const weight = pair.weight ?? { width, height, data: new Uint8Array(width * height).fill(1) };
  return {
    image: applyAffine(image, matrix, { interpolation: 'bilinear', fill, constant }),
    mask: applyAffine(mask, matrix, { interpolation: 'nearest', fill, constant: 0 }),
    weight: applyAffine(weight, matrix, { interpolation: 'nearest', fill, constant: 0 }),
    matrix,
    params,
  };
}
