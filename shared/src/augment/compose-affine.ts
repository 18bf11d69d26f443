/**
 * A 2×3 affine matrix, row-major `[a, b, tx, c, d, ty]`, mapping a SOURCE pixel to an OUTPUT pixel in coordinates
 * centred on the image (`x − (width − 1) / 2`, `y − (height − 1) / 2`, y pointing down):
 * `x' = a·x + b·y + tx`, `y' = c·x + d·y + ty`. Centring makes flips, rotation and zoom act about the image centre,
 * so the same matrix fits any image size.
 */
export type AffineMatrix = readonly [number, number, number, number, number, number];

export const IDENTITY_AFFINE: AffineMatrix = [1, 0, 0, 0, 1, 0];

/** The parameters of one geometric augmentation (paper Table I), in the order they act on the source: flip, zoom, rotate, shift. */
export interface AffineParams {
  /** Shift in pixels, positive = content moves right / down. */
  shiftX: number;
  shiftY: number;
  /** Rotation in degrees, positive = clockwise on screen (y down). */
  rotationDeg: number;
  /** Mirror left↔right. */
  flipH: boolean;
  /** Mirror top↔bottom. */
  flipV: boolean;
  /** Scale factor, > 1 magnifies the content (zoom in). */
  zoom: number;
}

export const IDENTITY_AFFINE_PARAMS: AffineParams = {
  shiftX: 0,
  shiftY: 0,
  rotationDeg: 0,
  flipH: false,
  flipV: false,
  zoom: 1,
};

/** `shift ∘ rotate ∘ zoom ∘ flip` as one centred forward matrix. */
export function composeAffine(params: AffineParams): AffineMatrix {
  const theta = (params.rotationDeg * Math.PI) / 180;
  const cos = Math.cos(theta) * params.zoom;
  const sin = Math.sin(theta) * params.zoom;
  const fx = params.flipH ? -1 : 1;
  const fy = params.flipV ? -1 : 1;
  // Math.cos(0) is exactly 1 and Math.sin(0) exactly 0, so identity params give the exact identity matrix
  // (+0 for the zero terms, never −0, to keep equality checks simple).
  return [cos * fx, -sin * fy + 0, params.shiftX, sin * fx + 0, cos * fy, params.shiftY];
}
