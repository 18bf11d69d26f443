/** The Monte-Carlo dropout predictions for one patch: `passes` foreground-probability maps. */
export interface McSamples {
  readonly width: number;
  readonly height: number;
  readonly passes: number;
  /** passes × height × width, pass-major: pass t's map starts at t · width · height. */
  readonly probs: Float32Array;
}

/** Per-pixel statistics over the passes, which every acquisition function scores from. */
export interface McSummary {
  readonly width: number;
  readonly height: number;
  readonly passes: number;
  readonly mean: Float32Array;
  /** Population standard deviation (ddof = 0, numpy's default). */
  readonly std: Float32Array;
  /** The raw samples, for functions that need more than the first two moments (BALD). */
  readonly probs?: Float32Array;
  /**
   * `foregroundDistance` of the mean computed on a larger window than this summary and cropped to it, so objects
   * cut by the summary's border keep their true distances (slide cells scored with context). `uncertainty` uses it
   * instead of its own, and ignores its threshold option then.
   */
  readonly distance?: Float32Array;
}

/** Per-pixel mean and population std over the passes; `probs` is passed through by reference, not copied. */
export function summarizeMc(samples: McSamples): McSummary {
  const { width, height, passes, probs } = samples;
  const n = width * height;
  if (!Number.isInteger(passes) || passes < 1) {
    throw new RangeError(`summarizeMc: passes must be a positive integer, got ${passes}`);
  }
  if (probs.length !== passes * n) {
    throw new RangeError(
      `summarizeMc: expected ${passes}×${width}×${height} = ${passes * n} probs, got ${probs.length}`,
    );
  }
  // Two passes over the data in float64: the one-pass E[x²] − E[x]² cancels badly when passes agree.
  const sum = new Float64Array(n);
  for (let t = 0; t < passes; t++) {
    const base = t * n;
    for (let i = 0; i < n; i++) sum[i] = (sum[i] as number) + (probs[base + i] as number);
  }
  const mean64 = sum.map((s) => s / passes);
  const sq = new Float64Array(n);
  for (let t = 0; t < passes; t++) {
    const base = t * n;
    for (let i = 0; i < n; i++) {
      const d = (probs[base + i] as number) - (mean64[i] as number);
      sq[i] = (sq[i] as number) + d * d;
    }
  }
  const std = new Float32Array(n);
  for (let i = 0; i < n; i++) std[i] = Math.sqrt((sq[i] as number) / passes);
  return { width, height, passes, mean: Float32Array.from(mean64), std, probs };
}
