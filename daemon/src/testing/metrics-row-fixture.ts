import { MetricsRow } from '../simulate/metrics-row.js';

/**
 * A simulator row for tests of the curve statistics and the summary: the metrics under test, zeros elsewhere, and the
 * schema's defaults for the probe columns.
 */
export function metricsRow(
  strategy: string,
  experiment: number,
  iteration: number,
  dice: number,
  extra: Partial<MetricsRow> = {},
): MetricsRow {
  return MetricsRow.parse({
    strategy,
    experiment,
    iteration,
    n_train: 2 + iteration,
    dice,
    jaccard: dice / (2 - dice),
    accuracy: 0,
    precision: 0,
    sensitivity: 0,
    specificity: 0,
    selected: [],
    selected_scores: [],
    train_seconds: 0,
    scoring_seconds: 0,
    best_epoch: 0,
    val_dice: 0,
    ...extra,
  });
}
