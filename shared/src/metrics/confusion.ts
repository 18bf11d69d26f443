import type { MaskImage } from '../image/types.js';

/** A binary mask as raw pixels or an image; any non-zero value is positive. */
export type BinaryInput = Uint8Array | MaskImage;

/** Per-pixel weights as raw values or an image; 0 excludes a pixel. */
export type WeightInput = Uint8Array | Float32Array | { readonly data: Uint8Array | Float32Array };

export interface ConfusionCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/**
 * Count true/false positives/negatives of `pred` against `truth` (non-zero = positive).
 *
 * `weights` multiplies each pixel's contribution: 0 leaves a pixel out (unlabelled or ignored
 * regions), 1 counts it once, and larger values count it more, so the counts become weighted sums.
 */
export function confusionCounts(pred: BinaryInput, truth: BinaryInput, weights?: WeightInput): ConfusionCounts {
  const p = pixels(pred);
  const t = pixels(truth);
  const w = weights === undefined ? undefined : pixels(weights);
  if (p.length !== t.length || (w !== undefined && w.length !== p.length)) {
    throw new RangeError(
      `confusionCounts: size mismatch (pred ${p.length}, truth ${t.length}${w ? `, weights ${w.length}` : ''})`,
    );
  }
  const counts: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < p.length; i++) {
    const weight = w === undefined ? 1 : (w[i] as number);
    if (weight === 0) continue;
    if (p[i] !== 0) {
      if (t[i] !== 0) counts.tp += weight;
      else counts.fp += weight;
    } else if (t[i] !== 0) counts.fn += weight;
    else counts.tn += weight;
  }
  return counts;
}

/** Adds confusion counts up (over patches, probes, …): the counts behind a pooled, pixel-level metric. */
export function sumConfusionCounts(counts: readonly ConfusionCounts[]): ConfusionCounts {
  const total = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const c of counts) {
    total.tp += c.tp;
    total.fp += c.fp;
    total.tn += c.tn;
    total.fn += c.fn;
  }
  return total;
}

function pixels<T extends Uint8Array | Float32Array>(input: T | { readonly data: T }): T {
  return ArrayBuffer.isView(input) ? input : input.data;
}
