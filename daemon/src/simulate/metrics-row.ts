import { z } from 'zod';

/** One finished (strategy, experiment, iteration): the unit that metrics.jsonl records and a resumed run skips. */
export const MetricsRow = z.object({
  strategy: z.string(),
  experiment: z.number().int().nonnegative(),
  iteration: z.number().int().nonnegative(),
  n_train: z.number().int().nonnegative(),
  dice: z.number(),
  jaccard: z.number(),
  accuracy: z.number(),
  precision: z.number(),
  sensitivity: z.number(),
  specificity: z.number(),
  /** Patches chosen at the end of this iteration (moved to the training set for the next one). */
  selected: z.array(z.string()),
  selected_scores: z.array(z.number()),
  train_seconds: z.number(),
  scoring_seconds: z.number(),
  best_epoch: z.number().int(),
  /** Validation Dice of the kept epoch; with `--kfold`, the mean over the folds' models. */
  val_dice: z.number(),
  /** Models trained this iteration: K with `--kfold K`, else 1 (rows written before this column read as 1). */
  folds: z.number().int().positive().default(1),
  /**
   * Pre-annotation Dice of the patch(es) acquired this iteration: this iteration's model against their labels, before
   * any training saw them (pooled over the patches). Null when nothing was acquired (last iteration, older rows).
   */
  pre_dice: z.number().nullable().default(null),
  /** Random probes labelled this iteration (`--probe-rate`): their ids and this model's [tp, fp, fn, tn] on each. */
  probes: z.array(z.string()).default([]),
  probe_counts: z.array(z.tuple([z.number(), z.number(), z.number(), z.number()])).default([]),
  /** The live estimator's Dice for this iteration's model, from the probes, with its 95 % bootstrap interval. */
  est_dice: z.number().nullable().default(null),
  est_lo: z.number().nullable().default(null),
  est_hi: z.number().nullable().default(null),
});
export type MetricsRow = z.infer<typeof MetricsRow>;

export const CSV_COLUMNS = [
  'strategy',
  'experiment',
  'iteration',
  'n_train',
  'dice',
  'jaccard',
  'accuracy',
  'precision',
  'sensitivity',
  'specificity',
  'selected',
  'selected_scores',
  'train_seconds',
  'scoring_seconds',
  'best_epoch',
  'val_dice',
  'folds',
  'pre_dice',
  'est_dice',
  'est_lo',
  'est_hi',
  'probes',
] as const satisfies readonly (keyof MetricsRow)[];

/** One CSV field: arrays joined by ";", null empty, quoted when it holds a quote, comma or newline. */
export function csvCell(value: unknown): string {
  const s = Array.isArray(value) ? value.join(';') : value === null ? '' : String(value);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(rows: readonly MetricsRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) lines.push(CSV_COLUMNS.map((c) => csvCell(row[c])).join(','));
  return `${lines.join('\n')}\n`;
}
