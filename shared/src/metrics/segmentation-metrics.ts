import { type BinaryInput, type ConfusionCounts, confusionCounts, type WeightInput } from './confusion.js';

export interface SegmentationMetricsOptions {
  /** Per-pixel weights; 0 excludes a pixel (see `confusionCounts`). */
  weights?: WeightInput;
}

export interface SegmentationMetricsResult {
  dice: number;
  jaccard: number;
  accuracy: number;
  precision: number;
  sensitivity: number;
  specificity: number;
}

/** Overlap and rate metrics of a binary prediction against ground truth. Never NaN; see `metricsFromCounts`. */
export function segmentationMetrics(
  pred: BinaryInput,
  truth: BinaryInput,
  options: SegmentationMetricsOptions = {},
): SegmentationMetricsResult {
  return metricsFromCounts(confusionCounts(pred, truth, options.weights));
}

/**
 * Metrics from (possibly summed) confusion counts; summing counts over patches before calling this
 * gives the pooled, pixel-level metrics rather than an average of per-patch ratios.
 *
 * Empty denominators are answered as "was the prediction right about this emptiness?":
 * - dice, jaccard: prediction and truth both empty → 1.
 * - accuracy: no (weighted) pixels at all → 1.
 * - precision (nothing predicted positive): 1 if the truth has no positives either, else 0.
 * - sensitivity (truth has no positives): 1 if nothing was predicted positive either, else 0.
 * - specificity (truth has no negatives): 1 if nothing was predicted negative either, else 0.
 */
export function metricsFromCounts(counts: ConfusionCounts): SegmentationMetricsResult {
  const { tp, fp, tn, fn } = counts;
  return {
    dice: ratio(2 * tp, 2 * tp + fp + fn, 1),
    jaccard: ratio(tp, tp + fp + fn, 1),
    accuracy: ratio(tp + tn, tp + tn + fp + fn, 1),
    precision: ratio(tp, tp + fp, fn === 0 ? 1 : 0),
    sensitivity: ratio(tp, tp + fn, fp === 0 ? 1 : 0),
    specificity: ratio(tn, tn + fp, fn === 0 ? 1 : 0),
  };
}

function ratio(numerator: number, denominator: number, whenEmpty: number): number {
  return denominator === 0 ? whenEmpty : numerator / denominator;
}
