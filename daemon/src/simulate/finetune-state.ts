import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadBundle, saveBundle } from '../model/model-bundle.js';
import type { TrainedModel } from '../training/train-model.js';

/**
 * `--retrain finetune` continues from the previous iteration's weights, so a resumable run must keep them on disk.
 * Layout: `<out>/state/<strategy>-e<experiment>/it<NN>/fold<k>/` (a model bundle; fold0 only without `--kfold`).
 * Each iteration gets its own folder, written before its metrics row is appended: a kill mid-save can only tear the
 * new folder, never the one the last committed row depends on. Older folders are removed after the row is committed.
 */
export function stateDir(out: string, strategy: string, experiment: number): string {
  return join(out, 'state', `${strategy}-e${experiment}`);
}

const iterationDir = (out: string, strategy: string, experiment: number, iteration: number) =>
  join(stateDir(out, strategy, experiment), `it${String(iteration).padStart(2, '0')}`);

interface StateKey {
  strategy: string;
  experiment: number;
  iteration: number;
}

export async function saveIterationState(out: string, key: StateKey, models: readonly TrainedModel[]): Promise<void> {
  const dir = iterationDir(out, key.strategy, key.experiment, key.iteration);
  await rm(dir, { recursive: true, force: true });
  for (let fold = 0; fold < models.length; fold++) {
    const m = models[fold] as TrainedModel;
    await saveBundle(join(dir, `fold${fold}`), {
      model: m.model,
      config: m.config,
      normalization: m.normalization,
      info: { ...key, fold, folds: models.length },
    });
  }
}

/** Loads the `folds` models an earlier run saved after `iteration`; a clear error if they are missing or mismatched. */
export async function loadIterationState(out: string, key: StateKey, folds: number): Promise<TrainedModel[]> {
  const dir = iterationDir(out, key.strategy, key.experiment, key.iteration);
  const models: TrainedModel[] = [];
  try {
    for (let fold = 0; fold < folds; fold++) {
      const b = await loadBundle(join(dir, `fold${fold}`));
      models.push({ model: b.model, config: b.config, normalization: b.normalization });
      const info = b.info ?? {};
      const expected = { ...key, fold, folds };
      for (const [name, value] of Object.entries(expected)) {
        if (info[name] !== value) {
          throw new Error(`${dir}/fold${fold}: saved for ${name} ${String(info[name])}, expected ${String(value)}`);
        }
      }
    }
  } catch (err) {
    for (const m of models) m.model.dispose();
    throw new Error(
      `resuming --retrain finetune needs the weights saved after ${key.strategy} experiment ${key.experiment} iteration ${key.iteration}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return models;
}

/** Removes every saved iteration of (strategy, experiment) but `keep`, once `keep`'s metrics row is committed. */
export async function pruneIterationState(out: string, key: StateKey): Promise<void> {
  const dir = stateDir(out, key.strategy, key.experiment);
  const keep = `it${String(key.iteration).padStart(2, '0')}`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) if (name !== keep) await rm(join(dir, name), { recursive: true, force: true });
}
