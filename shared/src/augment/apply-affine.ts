import type { FloatImage, MaskImage } from '../image/types.js';
import type { AffineMatrix } from './compose-affine.js';

export interface ApplyAffineOptions {
  /** 'bilinear' for intensities, 'nearest' for labels and weights (keeps them in their original value set). */
  interpolation?: 'bilinear' | 'nearest';
  /**
   * What source pixels outside the image read as. 'reflect' mirrors with the edge pixel repeated
   * (… b a | a b c d | d c …), which is scipy.ndimage's and so Keras ImageDataGenerator's `fill_mode='reflect'`;
   * 'constant' reads `constant`. Default 'reflect'.
   */
  fill?: 'reflect' | 'constant';
  /** Value for `fill: 'constant'`. Default 0. */
  constant?: number;
}

/**
 * Warps an image by a centred forward affine matrix (see `AffineMatrix`): every output pixel is mapped back
 * through the inverse and sampled there, so the output has no holes. Output has the input's size and type; a
 * `MaskImage` warped with 'bilinear' is rounded back to integers.
 */
export function applyAffine(img: FloatImage, matrix: AffineMatrix, options?: ApplyAffineOptions): FloatImage;
export function applyAffine(img: MaskImage, matrix: AffineMatrix, options?: ApplyAffineOptions): MaskImage;
export function applyAffine(
  img: FloatImage | MaskImage,
  matrix: AffineMatrix,
  options: ApplyAffineOptions = {},
): FloatImage | MaskImage {
  const { interpolation = 'bilinear', fill = 'reflect', constant = 0 } = options;
  const { width, height } = img;
  const src = img.data;
  const [a, b, tx, c, d, ty] = matrix;
  const det = a * d - b * c;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) {
    throw new RangeError(`applyAffine: matrix [${matrix.join(', ')}] is not invertible`);
  }
  const ia = d / det;
  const ib = -b / det;
  const ic = -c / det;
  const id = a / det;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const isMask = src instanceof Uint8Array;
  const out = isMask ? new Uint8Array(width * height) : new Float32Array(width * height);
  const reflect = fill === 'reflect';
  // Index → source offset, or -1 meaning "outside, read the constant".
  const col = (i: number): number => (i >= 0 && i < width ? i : reflect ? symmetricIndex(i, width) : -1);
  const row = (j: number): number => (j >= 0 && j < height ? j : reflect ? symmetricIndex(j, height) : -1);
  const at = (i: number, j: number): number => (i < 0 || j < 0 ? constant : (src[j * width + i] as number));

  for (let y = 0; y < height; y++) {
    const yo = y - cy - ty;
    for (let x = 0; x < width; x++) {
      const xo = x - cx - tx;
      const sx = ia * xo + ib * yo + cx;
      const sy = ic * xo + id * yo + cy;
      let v: number;
      if (interpolation === 'nearest') {
        const i = Math.floor(sx + 0.5);
        const j = Math.floor(sy + 0.5);
        v = i >= 0 && j >= 0 && i < width && j < height ? (src[j * width + i] as number) : at(col(i), row(j));
      } else {
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        let v00: number;
        let v10: number;
        let v01: number;
        let v11: number;
        if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height) {
          // Fast path for the (usual) fully interior sample: no reflection lookups.
          const k = y0 * width + x0;
          v00 = src[k] as number;
          v10 = src[k + 1] as number;
          v01 = src[k + width] as number;
          v11 = src[k + width + 1] as number;
        } else {
          const c0 = col(x0);
          const c1 = col(x0 + 1);
          const r0 = row(y0);
          const r1 = row(y0 + 1);
          v00 = at(c0, r0);
          v10 = at(c1, r0);
          v01 = at(c0, r1);
          v11 = at(c1, r1);
        }
        v = (v00 * (1 - fx) + v10 * fx) * (1 - fy) + (v01 * (1 - fx) + v11 * fx) * fy;
      }
      out[y * width + x] = isMask && interpolation === 'bilinear' ? Math.round(v) : v;
    }
  }
  return isMask ? { width, height, data: out as Uint8Array } : { width, height, data: out as Float32Array };
}

/** Half-sample symmetric reflection: period 2n, edge sample repeated (scipy `mode='reflect'`). */
function symmetricIndex(i: number, n: number): number {
  const period = 2 * n;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - 1 - m;
}
