import type { Rng } from '../random/rng.js';
import { type AffineMatrix, type AffineParams, composeAffine } from './compose-affine.js';

/** Ranges of the random geometric augmentation; defaults are the paper's Table I. */
export interface SampleAffineOptions {
  /** Image size in pixels: the shift range is a fraction of it. */
  width: number;
  height: number;
  /** Maximum shift as a fraction of the size on each axis, uniform in ±. Default 0.1. */
  shiftFraction?: number;
  /** Maximum rotation in degrees, uniform in ±. Default 10. */
  rotationDeg?: number;
  /** Probability of a horizontal flip. Default 0.5. */
  flipHProbability?: number;
  /** Probability of a vertical flip. Default 0.5. */
  flipVProbability?: number;
  /**
   * Zoom factor range, sampled log-uniformly so zooming in by 1.2 is as likely as out by 1/1.2.
   * Default [1 / 1.2, 1.2].
   */
  zoomRange?: readonly [number, number];
}

export interface SampleAffineResult {
  matrix: AffineMatrix;
  params: AffineParams;
}

/**
 * Draws one random geometric augmentation. It always draws six numbers in a fixed order, whatever the ranges, so
 * changing one range never shifts the random stream of everything sampled after it.
 */
export function sampleAffine(rng: Rng, options: SampleAffineOptions): SampleAffineResult {
  const {
    width,
    height,
    shiftFraction = 0.1,
    rotationDeg = 10,
    flipHProbability = 0.5,
    flipVProbability = 0.5,
    zoomRange = [1 / 1.2, 1.2],
  } = options;
  const [zoomLo, zoomHi] = zoomRange;
  if (!(zoomLo > 0 && zoomHi >= zoomLo)) {
    throw new RangeError(`sampleAffine: zoomRange must satisfy 0 < lo <= hi, got [${zoomLo}, ${zoomHi}]`);
  }
  const params: AffineParams = {
    shiftX: rng.uniform(-shiftFraction, shiftFraction) * width,
    shiftY: rng.uniform(-shiftFraction, shiftFraction) * height,
    rotationDeg: rng.uniform(-rotationDeg, rotationDeg),
    flipH: rng.next() < flipHProbability,
    flipV: rng.next() < flipVProbability,
    zoom: Math.exp(rng.uniform(Math.log(zoomLo), Math.log(zoomHi))),
  };
  return { matrix: composeAffine(params), params };
}
