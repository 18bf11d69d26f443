import type { AcquisitionFunction, McSummary, PatchScore } from '@activeseg/shared';
import type { NormalizationStats } from '../training/normalization-stats.js';
import type { TrainingPatch } from '../training/training-patch.js';

/** Anything that can run Monte-Carlo dropout passes over one normalised patch (tfjs model or onnxruntime session). */
export interface McSampler {
  mcPredict(
    patch: Float32Array,
    options: { passes: number; seed: number; keepSamples: boolean },
  ):
    | { mean: Float32Array; std: Float32Array; probs?: Float32Array }
    | Promise<{ mean: Float32Array; std: Float32Array; probs?: Float32Array }>;
}

export interface PoolCandidate extends TrainingPatch {
  readonly sourceId: string;
  readonly x: number;
  readonly y: number;
}

export interface ScorePoolOptions {
  readonly sampler: McSampler;
  readonly acquisition: AcquisitionFunction;
  readonly normalization: NormalizationStats;
  readonly passes: number;
  readonly seed: number;
  /** BALD needs every pass, the others only mean and std. */
  readonly keepSamples: boolean;
  readonly onPatch?: (done: number, total: number) => void;
}

const IN_FLIGHT = 2;

/** Larger than any slide side, so patches of two images are never within a diverse-selection radius. */
const SOURCE_OFFSET = 1e9;

/**
 * Scores every pool patch. Padding (weight 0) is masked out of the maps first so mirrored texture at image edges
 * cannot make a patch look uncertain.
 */
export async function scorePool(pool: readonly PoolCandidate[], options: ScorePoolOptions): Promise<PatchScore[]> {
  const out: PatchScore[] = [];
  const sources = [...new Set(pool.map((p) => p.sourceId))].sort();
  const inv = 1 / options.normalization.std;
  const start = (i: number) => {
    const p = pool[i] as PoolCandidate;
    const norm = new Float32Array(p.image.length);
    for (let k = 0; k < norm.length; k++) norm[k] = ((p.image[k] as number) - options.normalization.mean) * inv;
    const pending = Promise.resolve(
      options.sampler.mcPredict(norm, {
        passes: options.passes,
        seed: options.seed + i,
        keepSamples: options.keepSamples,
      }),
    );
    // Awaited below in order; this only keeps a rejection from counting as unhandled while an earlier one is awaited.
    pending.catch(() => {});
    return pending;
  };
  // Two patches in flight: the sampler (onnxruntime in its worker thread) works on the next patch while this thread
  // summarises the last one. Requests are still issued in pool order, so seeded results do not change.
  const inFlight = new Map<number, ReturnType<typeof start>>();
  for (let i = 0; i < Math.min(IN_FLIGHT, pool.length); i++) inFlight.set(i, start(i));
  for (let i = 0; i < pool.length; i++) {
    const p = pool[i] as PoolCandidate;
    const mc = await (inFlight.get(i) as ReturnType<typeof start>);
    inFlight.delete(i);
    if (i + IN_FLIGHT < pool.length) inFlight.set(i + IN_FLIGHT, start(i + IN_FLIGHT));
    const summary = maskSummary({ width: p.size, height: p.size, passes: options.passes, ...mc }, p.weight);
    // Patches from different images must never count as neighbours for the diverse strategy: offset by source.
    const offset = sources.indexOf(p.sourceId) * SOURCE_OFFSET;
    out.push({ id: p.id, score: options.acquisition.score(summary), x: p.x + offset, y: p.y });
    options.onPatch?.(i + 1, pool.length);
  }
  return out;
}

/** Zeroes std (and pins mean and samples to 0) where the patch has no real pixels. */
function maskSummary(summary: McSummary, weight: Uint8Array): McSummary {
  const n = summary.width * summary.height;
  const mean = Float32Array.from(summary.mean);
  const std = Float32Array.from(summary.std);
  let probs = summary.probs;
  for (let i = 0; i < n; i++) {
    if (weight[i] === 0) {
      mean[i] = 0;
      std[i] = 0;
    }
  }
  if (probs) {
    probs = Float32Array.from(probs);
    for (let t = 0; t < summary.passes; t++) for (let i = 0; i < n; i++) if (weight[i] === 0) probs[t * n + i] = 0;
  }
  return { ...summary, mean, std, ...(probs ? { probs } : {}) };
}
