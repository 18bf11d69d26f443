export type GreySamples = Uint8Array | Uint16Array | Float32Array;

export interface ToGreyOptions {
  /** Interleaved bands per pixel: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  bands: number;
  pixels: number;
}

/** ITU-R BT.601 luma weights, as PIL's `convert('L')` uses them. */
const WEIGHTS = { r: 0.299, g: 0.587, b: 0.114 } as const;

/**
 * The one colour-to-grey conversion of activeseg (training data, prediction inputs, slides, tiles): ITU-R BT.601 luma
 * `0.299 R + 0.587 G + 0.114 B` on the stored (gamma-encoded) values, at the source's depth, rounded to the nearest
 * integer for integer samples; a pixel with R = G = B keeps its value exactly. Alpha is ignored (not composited):
 * EM images carry a constant alpha when they carry one at all, and PIL's `convert('L')`, which the paper's Python
 * tooling used, drops it the same way. Returns a new array of the input's type, `pixels` long.
 */
export function toGrey<T extends GreySamples>(samples: T, options: ToGreyOptions): T {
  const { bands, pixels } = options;
  if (!Number.isInteger(bands) || bands < 1 || bands > 4) throw new RangeError(`toGrey: ${bands} bands; expected 1–4`);
  if (samples.length < bands * pixels) {
    throw new RangeError(`toGrey: ${samples.length} samples for ${pixels} pixels of ${bands} bands`);
  }
  const out = new (samples.constructor as new (n: number) => T)(pixels);
  if (bands <= 2) {
    for (let i = 0; i < pixels; i++) out[i] = samples[i * bands] as number;
    return out;
  }
  const round = !(samples instanceof Float32Array);
  for (let i = 0; i < pixels; i++) {
    const r = samples[i * bands] as number;
    const g = samples[i * bands + 1] as number;
    const b = samples[i * bands + 2] as number;
    if (r === g && g === b) {
      out[i] = r;
      continue;
    }
    const y = WEIGHTS.r * r + WEIGHTS.g * g + WEIGHTS.b * b;
    out[i] = round ? Math.round(y) : y;
  }
  return out;
}
