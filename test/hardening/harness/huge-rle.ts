import type { Region } from '@activeseg/protocol';

export interface HugeRleBodyOptions {
  slideId: string;
  region: Region;
  clientId: string;
  /** Number of runs; all but the last are 1 pixel long (a maximally noisy mask, the costliest to parse). */
  runs: number;
  /**
   * Added to the last run, so the counts sum to the region's pixels plus this (non-zero: ANNOTATION_MASK_INVALID;
   * enough below zero to make the last count negative: BAD_REQUEST).
   */
  sumError?: number;
  /** Runs of length 0 appended after the real ones (padding a valid RLE past the run bound). */
  zeroRuns?: number;
}

/**
 * The raw bytes of a `POST /api/annotations` body whose RLE has millions of runs, built as one string (a 30 MB
 * body in ~50 ms) instead of through JSON.stringify of a huge array.
 */
export function hugeRleBody(o: HugeRleBodyOptions): Buffer {
  const pixels = o.region.width * o.region.height;
  if (o.runs < 1 || o.runs > pixels) throw new Error(`runs must be in 1..${pixels}`);
  const last = pixels - (o.runs - 1) + (o.sumError ?? 0);
  const counts = `${'1,'.repeat(o.runs - 1)}${last}${',0'.repeat(o.zeroRuns ?? 0)}`;
  const head = JSON.stringify({ slideId: o.slideId, region: o.region, clientId: o.clientId }).slice(0, -1);
  return Buffer.from(`${head},"mask":{"encoding":"rle","counts":[${counts}]}}`);
}
