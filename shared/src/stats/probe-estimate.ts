import { type ConfusionCounts, sumConfusionCounts } from '../metrics/confusion.js';
import { metricsFromCounts } from '../metrics/segmentation-metrics.js';
import { type BootstrapOptions, bootstrapCi, type ConfidenceInterval } from './bootstrap-ci.js';

/** A random probe, annotated by a person: the model version they saw and how its prediction scored on their label. */
export interface ProbeObservation {
  /** Model version whose prediction was on screen when the probe was annotated (before any training saw the label). */
  readonly version: number;
  /** Confusion counts of that version's thresholded prediction against the new label, on the annotated pixels. */
  readonly counts: ConfusionCounts;
}

/** The estimator's settings, one for the daemon's live estimate and the simulator that checks it. */
export const PROBE_ESTIMATOR = { minProbes: 5, maxVersions: 3 } as const;

export interface AccuracyEstimateOptions extends BootstrapOptions {
  /** Probes the estimate wants before it stops reaching back to older versions (default 5). */
  readonly minProbes?: number;
  /** The most versions pooled, the asked one included (default 3). */
  readonly maxVersions?: number;
}

export interface AccuracyEstimate {
  readonly version: number;
  /** Pooled Dice of the probes (pixel counts summed, as a test set's Dice is) with its bootstrap interval over probes. */
  readonly dice: ConfidenceInterval;
  /** Versions whose probes were pooled, newest first; older versions make the estimate pessimistic, so it is shown. */
  readonly versions: readonly number[];
}

/** Dice of summed confusion counts: the pixel-level Dice of the probes taken together. */
export function pooledDice(counts: readonly ConfusionCounts[]): number {
  return metricsFromCounts(sumConfusionCounts(counts)).dice;
}

/**
 * The model's Dice on the slide as estimated from random probes: probes are uniform over the unannotated cells, so
 * their pre-annotation score is an unbiased sample of how the model does where nobody has labelled yet. A version
 * with few probes of its own borrows those of the versions just before it (up to `maxVersions`), which can only
 * understate a model that improves; `versions` says which were used. Undefined when no probe is at or before it.
 */
export function estimateAccuracy(
  probes: readonly ProbeObservation[],
  version: number,
  options: AccuracyEstimateOptions = {},
): AccuracyEstimate | undefined {
  const minProbes = options.minProbes ?? PROBE_ESTIMATOR.minProbes;
  const maxVersions = options.maxVersions ?? PROBE_ESTIMATOR.maxVersions;
  const byVersion = new Map<number, ConfusionCounts[]>();
  for (const p of probes) {
    if (p.version > version) continue;
    const list = byVersion.get(p.version) ?? [];
    list.push(p.counts);
    byVersion.set(p.version, list);
  }
  const newestFirst = [...byVersion.keys()].sort((a, b) => b - a);
  const used: number[] = [];
  const pooled: ConfusionCounts[] = [];
  for (const v of newestFirst) {
    if (used.length >= maxVersions || pooled.length >= minProbes) break;
    used.push(v);
    pooled.push(...(byVersion.get(v) as ConfusionCounts[]));
  }
  if (pooled.length === 0) return undefined;
  return { version, dice: bootstrapCi(pooled, pooledDice, options), versions: used };
}
