import type { FloatImage, MaskImage } from './types.js';

export interface DistanceTransformOptions {
  /** Return squared distances (skips the square roots; exact integers for unit sampling). */
  squared?: boolean;
  /** Pixel spacing as [row (y), column (x)], scipy's axis order. Default [1, 1]. */
  sampling?: readonly [number, number];
}

/**
 * Exact Euclidean distance from every foreground (non-zero) pixel to the nearest background (zero)
 * pixel; background pixels get 0. Matches scipy's `distance_transform_edt(mask, sampling)`.
 *
 * Linear time: Felzenszwalb & Huttenlocher's 1-D lower envelope of parabolas, first down every
 * column, then along every row of the column result.
 *
 * No background at all: scipy returns Infinity there. We instead treat the ring just outside the
 * image as background, so each pixel gets its distance to the nearest border crossing
 * (min(x + 1, width − x) · sx, min(y + 1, height − y) · sy). That keeps scores finite and still ranks
 * interior pixels above edge ones. Images with any background pixel ignore the outside, as scipy does.
 */
export function distanceTransform(mask: MaskImage, options: DistanceTransformOptions = {}): FloatImage {
  const { width, height, data } = mask;
  const [sy, sx] = options.sampling ?? [1, 1];
  if (!(sy > 0 && sx > 0)) throw new RangeError(`distanceTransform: sampling must be positive, got [${sy}, ${sx}]`);
  const squaredDist = data.includes(0)
    ? envelopeTransform(mask, sy * sy, sx * sx)
    : borderDistanceSquared(width, height, sy, sx);

  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const d2 = squaredDist[i] as number;
    out[i] = options.squared ? d2 : Math.sqrt(d2);
  }
  return { width, height, data: out };
}

function envelopeTransform(mask: MaskImage, wy: number, wx: number): Float64Array {
  const { width, height, data } = mask;
  const grid = new Float64Array(width * height);
  for (let i = 0; i < grid.length; i++) grid[i] = data[i] === 0 ? 0 : Number.POSITIVE_INFINITY;

  const n = Math.max(width, height);
  const scratch: EnvelopeScratch = {
    f: new Float64Array(n),
    d: new Float64Array(n),
    v: new Int32Array(n),
    z: new Float64Array(n + 1),
  };
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) scratch.f[y] = grid[y * width + x] as number;
    lowerEnvelope(height, wy, scratch);
    for (let y = 0; y < height; y++) grid[y * width + x] = scratch.d[y] as number;
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) scratch.f[x] = grid[row + x] as number;
    lowerEnvelope(width, wx, scratch);
    for (let x = 0; x < width; x++) grid[row + x] = scratch.d[x] as number;
  }
  return grid;
}

interface EnvelopeScratch {
  /** Input samples f(q); Infinity marks "no site here". */
  f: Float64Array;
  /** Output: min over q of w·(p − q)² + f(q). */
  d: Float64Array;
  /** Positions of the parabolas in the envelope. */
  v: Int32Array;
  /** Boundaries between consecutive envelope parabolas. */
  z: Float64Array;
}

/** 1-D squared distance transform of f[0..n) with squared spacing w (Felzenszwalb & Huttenlocher 2012). */
function lowerEnvelope(n: number, w: number, s: EnvelopeScratch): void {
  const { f, d, v, z } = s;
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q] as number;
    // Infinite sites never win and would poison the intersection arithmetic with NaN.
    if (fq === Number.POSITIVE_INFINITY) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = Number.NEGATIVE_INFINITY;
      z[1] = Number.POSITIVE_INFINITY;
      continue;
    }
    let cut: number;
    for (;;) {
      const p = v[k] as number;
      cut = (fq + w * q * q - ((f[p] as number) + w * p * p)) / (2 * w * (q - p));
      // z[0] is −∞, so this never pops the last parabola.
      if (cut > (z[k] as number)) break;
      k--;
    }
    k++;
    v[k] = q;
    z[k] = cut;
    z[k + 1] = Number.POSITIVE_INFINITY;
  }
  if (k < 0) {
    d.fill(Number.POSITIVE_INFINITY, 0, n);
    return;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while ((z[k + 1] as number) < q) k++;
    const p = v[k] as number;
    d[q] = w * (q - p) * (q - p) + (f[p] as number);
  }
}

function borderDistanceSquared(width: number, height: number, sy: number, sx: number): Float64Array {
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    const dy = Math.min(y + 1, height - y) * sy;
    for (let x = 0; x < width; x++) {
      const dx = Math.min(x + 1, width - x) * sx;
      const d = Math.min(dx, dy);
      out[y * width + x] = d * d;
    }
  }
  return out;
}
