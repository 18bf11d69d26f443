import { distanceTransform, threshold } from '@activeseg/shared';

/**
 * Adaptive Monte-Carlo pass counts for ranking pool patches.
 *
 * Active learning only needs the top-k patches by acquisition score, not every score to full precision. Passes are
 * drawn in rounds (10 at a time); after each round every patch gets a score estimate with a standard error, and only
 * patches whose confidence interval still contains the current top-k boundary get another round, up to the cap (the
 * paper's 50 passes). A patch far above or far below the boundary stops after one or two rounds.
 *
 * Standard error (delta method / CLT over per-pass contributions). The `std` and `uncertainty` scores are
 * S = (1/N) Σ_px w_px · s_px with s_px the population std over the passes and w_px = 1 (`std`) or the EDT of the
 * thresholded mean (`uncertainty`). The influence of one pass t on s_px is ((x_t,px − m_px)² − s_px²) / (2 s_px), so
 * pass t contributes c_t = (1/N) Σ_px w_px ((x_t,px − m_px)² − s_px²) / (2 s_px) and, the passes being i.i.d.,
 * se(S) ≈ sd_t(c_t) / √n. The weights w are held fixed: the EDT is piecewise constant in the mean, so it has no
 * derivative where the mask does not flip. Contributions are computed when their round arrives, with the mean, std
 * and EDT of the passes so far, so only one number per pass is kept (not the n probability maps); early rounds' noisier
 * m and s only add variance, which widens the interval.
 *
 * Bias. The population std of n samples underestimates by a factor ≈ √((n−1)/n), so a patch stopped at 10 passes
 * would be compared unfairly with one run to 50. Estimates are rescaled to what `maxPasses` passes would give,
 * √(n/(n−1) · (M−1)/M); at n = M the factor is 1 and the estimate is exactly the ordinary M-pass score.
 */

export interface ScoreEstimate {
  /** Score expected from `maxPasses` passes. */
  readonly score: number;
  /** Standard error of `score`; Infinity when it cannot be estimated yet (one pass). */
  readonly se: number;
  readonly passes: number;
}

export interface StoppingRule {
  /** Size of the selection: the boundary lies between the k-th and (k+1)-th estimates. */
  readonly k: number;
  /** Interval half-width in standard errors. */
  readonly z: number;
  readonly maxPasses: number;
}

/** Halfway between the k-th and (k+1)-th highest scores; undefined when there are ≤ k scores (all are selected). */
export function topKBoundary(scores: readonly number[], k: number): number | undefined {
  if (scores.length <= k) return undefined;
  const sorted = [...scores].sort((a, b) => b - a);
  return ((sorted[k - 1] as number) + (sorted[k] as number)) / 2;
}

/**
 * The patches that need another round: those with passes left whose interval score ± z·se contains the boundary.
 * Patches that stopped are asked again in every round, so one whose interval the boundary later moves into resumes.
 */
export function patchesToRefine(
  estimates: readonly ScoreEstimate[],
  rule: StoppingRule,
): { boundary: number | undefined; refine: number[] } {
  const boundary = topKBoundary(
    estimates.map((e) => e.score),
    rule.k,
  );
  if (boundary === undefined) return { boundary, refine: [] };
  const refine: number[] = [];
  estimates.forEach((e, i) => {
    if (e.passes >= rule.maxPasses) return;
    if (Math.abs(e.score - boundary) <= rule.z * e.se) refine.push(i);
  });
  return { boundary, refine };
}

export type AdaptiveAcquisition = 'uncertainty' | 'std';

export interface McScoreAccumulatorOptions {
  width: number;
  height: number;
  acquisition?: AdaptiveAcquisition;
  /** Foreground threshold of `uncertainty` (same default as the acquisition function). */
  threshold?: number;
  /** The pass count estimates are scaled to (the cap). */
  maxPasses: number;
}

export interface McScoreAccumulator {
  readonly passes: number;
  /** Adds `passes` probability maps, pass-major (passes × height × width). */
  add(probs: Float32Array, passes: number): void;
  estimate(): ScoreEstimate;
}

/** Below this a pixel's std is treated as zero: its influence term would divide by ~0. */
const MIN_STD = 1e-6;

export function createMcScoreAccumulator(options: McScoreAccumulatorOptions): McScoreAccumulator {
  const { width, height, maxPasses } = options;
  const n = width * height;
  const acquisition = options.acquisition ?? 'uncertainty';
  const t = options.threshold ?? 0.5;
  const sum = new Float64Array(n);
  const sumSquares = new Float64Array(n);
  const contributions: number[] = [];
  let passes = 0;
  let rawScore = 0;

  return {
    get passes() {
      return passes;
    },
    add(probs, count) {
      if (probs.length !== count * n) {
        throw new RangeError(`McScoreAccumulator.add: expected ${count}×${n} values, got ${probs.length}`);
      }
      for (let p = 0; p < count; p++) {
        const base = p * n;
        for (let i = 0; i < n; i++) {
          const v = probs[base + i] as number;
          sum[i] = (sum[i] as number) + v;
          sumSquares[i] = (sumSquares[i] as number) + v * v;
        }
      }
      passes += count;
      // Float32 mean and std, as the MC engines hand them to the acquisition functions: at n = maxPasses the
      // estimate is then the ordinary score to the last bit of the threshold/EDT step.
      const mean = new Float32Array(n);
      const std = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const m = (sum[i] as number) / passes;
        mean[i] = m;
        std[i] = Math.sqrt(Math.max(0, (sumSquares[i] as number) / passes - m * m));
      }
      const weight =
        acquisition === 'uncertainty' ? distanceTransform(threshold({ width, height, data: mean }, t)).data : undefined;
      // a_px = w_px / (2 N s_px): the per-pixel factor of the influence term, zero where the pixel has no spread.
      const a = new Float64Array(n);
      let score = 0;
      for (let i = 0; i < n; i++) {
        const w = weight === undefined ? 1 : (weight[i] as number);
        const s = std[i] as number;
        score += w * s;
        if (s > MIN_STD) a[i] = w / (2 * n * s);
      }
      rawScore = score / n;
      for (let p = 0; p < count; p++) {
        const base = p * n;
        let c = 0;
        for (let i = 0; i < n; i++) {
          const ai = a[i] as number;
          if (ai === 0) continue;
          const d = (probs[base + i] as number) - (mean[i] as number);
          const s = std[i] as number;
          c += ai * (d * d - s * s);
        }
        contributions.push(c);
      }
    },
    estimate() {
      if (passes < 2) return { score: rawScore, se: Number.POSITIVE_INFINITY, passes };
      const factor = passCountFactor(passes, maxPasses);
      let m = 0;
      for (const c of contributions) m += c;
      m /= contributions.length;
      let v = 0;
      for (const c of contributions) v += (c - m) * (c - m);
      v /= contributions.length - 1;
      const corrected = passes >= maxPasses ? 1 : factor;
      return { score: rawScore * corrected, se: (corrected * Math.sqrt(v)) / Math.sqrt(passes), passes };
    },
  };
}

export interface AdaptiveMcOptions {
  /** Number of patches. */
  count: number;
  width: number;
  height: number;
  /** Runs `passes` more stochastic passes of patch `index`; returns passes × height × width probabilities. */
  sample(index: number, passes: number): Promise<Float32Array>;
  k: number;
  /** Passes per round. Default 10. */
  roundPasses?: number;
  /** Cap per patch. Default 50 (the paper's pass count). */
  maxPasses?: number;
  /**
   * Interval half-width in standard errors. Default 3: with 10 passes the se itself is uncertain (Student t with 9
   * degrees of freedom needs 3.25 for 99 %), and dozens of patches are tested every round.
   */
  z?: number;
  acquisition?: AdaptiveAcquisition;
  threshold?: number;
  onRound?: (round: number, sampled: number) => void;
}

export interface AdaptiveMcResult {
  readonly estimates: ScoreEstimate[];
  /** Indices of the k highest estimates, best first. */
  readonly topK: number[];
  readonly rounds: number;
  readonly totalPasses: number;
  readonly meanPasses: number;
}

/** Ranks `count` patches by MC score with as few passes as the top-k decision needs (see the file comment). */
export async function adaptiveMcTopK(options: AdaptiveMcOptions): Promise<AdaptiveMcResult> {
  const roundPasses = options.roundPasses ?? 10;
  const maxPasses = options.maxPasses ?? 50;
  const rule: StoppingRule = { k: options.k, z: options.z ?? 3, maxPasses };
  const accumulators = Array.from({ length: options.count }, () =>
    createMcScoreAccumulator({
      width: options.width,
      height: options.height,
      maxPasses,
      ...(options.acquisition ? { acquisition: options.acquisition } : {}),
      ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
    }),
  );
  const sampleRound = async (index: number) => {
    const acc = accumulators[index] as McScoreAccumulator;
    const passes = Math.min(roundPasses, maxPasses - acc.passes);
    acc.add(await options.sample(index, passes), passes);
  };
  let rounds = 0;
  let batch = accumulators.map((_, i) => i);
  while (batch.length > 0) {
    for (const i of batch) await sampleRound(i);
    rounds++;
    options.onRound?.(rounds, batch.length);
    batch = patchesToRefine(
      accumulators.map((a) => a.estimate()),
      rule,
    ).refine;
  }
  const estimates = accumulators.map((a) => a.estimate());
  const order = estimates
    .map((_, i) => i)
    .sort((a, b) => (estimates[b] as ScoreEstimate).score - (estimates[a] as ScoreEstimate).score);
  const totalPasses = estimates.reduce((s, e) => s + e.passes, 0);
  return {
    estimates,
    topK: order.slice(0, options.k),
    rounds,
    totalPasses,
    meanPasses: totalPasses / Math.max(1, options.count),
  };
}

/**
 * What a population-std score of `passes` passes is multiplied by to estimate the `maxPasses`-pass score:
 * √(n/(n−1) · (M−1)/M), 1 at n = M (see the file comment, "Bias").
 */
function passCountFactor(passes: number, maxPasses: number): number {
  if (passes >= maxPasses || passes < 2) return 1;
  return Math.sqrt((passes / (passes - 1)) * ((maxPasses - 1) / maxPasses));
}

/**
 * What a pixel's population std over `passes` passes is multiplied by to read, on average, as over `maxPasses`:
 * E[s_n] = c4(n)·√((n−1)/n)·σ for normal passes, so the factor is that of M over that of n (1.28 for 3 → 10, where
 * `passCountFactor`, exact for the variance, gives 1.16). The mean of the std, not of the variance, is what a
 * map shows and a score averages, and with few passes the difference is no longer small.
 */
export function meanStdFactor(passes: number, maxPasses: number): number {
  if (passes >= maxPasses || passes < 2) return 1;
  const expected = (n: number) => c4(n) * Math.sqrt((n - 1) / n);
  return expected(maxPasses) / expected(passes);
}

/** c4(n) = √(2/(n−1)) · Γ(n/2)/Γ((n−1)/2), the gamma ratio by r(n+1) = (n−1)/(2·r(n)) from r(2) = 1/√π. */
function c4(n: number): number {
  let ratio = 1 / Math.sqrt(Math.PI);
  for (let k = 2; k < n; k++) ratio = (k - 1) / (2 * ratio);
  return Math.sqrt(2 / (n - 1)) * ratio;
}
