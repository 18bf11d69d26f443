import { createRng, shuffled } from '@activeseg/shared';

export interface Fold {
  /** Patches model k trains on: every labelled patch outside fold k. */
  readonly train: string[];
  /** Patches model k validates on (fold k). */
  readonly val: string[];
}

/** Checks a `--kfold` value against the labelled patches it must split; every message names the flag. */
export function checkKfold(k: number, labelled: number): void {
  if (!Number.isInteger(k) || k < 2) throw new Error(`--kfold: expected an integer ≥ 2, got ${k}`);
  if (labelled < k) {
    throw new Error(
      `--kfold ${k}: needs at least ${k} labelled patches (initial + validation) so every fold validates on one, but the split has ${labelled}; lower --kfold or raise --initial / --val`,
    );
  }
}

/**
 * Splits the labelled set into `k` folds. The starting labelled set (initial + validation patches, `base`) is sorted
 * and shuffled with `seed`; the acquired patches follow in the order they were acquired; patch i of that sequence goes
 * to fold i mod k. So the folds are balanced (sizes differ by at most one), a patch keeps its fold for the whole
 * experiment (model k never validates on a patch an earlier model k trained on, which matters for `--retrain
 * finetune`), and the same seed gives the same folds for every strategy at iteration 0 (one shared baseline).
 */
export function assignFolds(base: readonly string[], acquired: readonly string[], k: number, seed: number): Fold[] {
  const order = [...shuffled([...base].sort(), createRng(seed)), ...acquired];
  const val: string[][] = Array.from({ length: k }, () => []);
  order.forEach((id, i) => {
    (val[i % k] as string[]).push(id);
  });
  return val.map((v, f) => ({ val: v, train: order.filter((_, i) => i % k !== f) }));
}
