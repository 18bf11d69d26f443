import type { ReloadableModelEngine } from '../engine/model-engine.js';
import { trainBaseModel } from '../simulate/train-base-model.js';
import type { TrainingPreset } from '../training/presets.js';
import { createProgressBar } from './progress-bar.js';

export interface BootstrapDemoModelOptions {
  engine: ReloadableModelEngine;
  dataDir: string;
  preset: TrainingPreset;
  /** Image id kept out of training: the slide the demo shows, so its overlay is a real prediction. */
  excludeImage: string;
  epochs: number;
}

/**
 * `serve --base-model none` on the demo: no shipped model to start from, so train a first one on the bundled data
 * set's other images (never the demo slide itself) and make it version 1; the viewer's annotations then fine-tune it.
 */
export async function bootstrapDemoModel(options: BootstrapDemoModelOptions): Promise<number> {
  const bar = createProgressBar({ label: 'first model', total: options.epochs });
  const { trained } = await trainBaseModel({
    dataDir: options.dataDir,
    preset: options.preset,
    epochs: options.epochs,
    seed: 1,
    exclude: [options.excludeImage],
    onEpoch: (r) => bar.update(r.epoch, `loss ${r.loss.toFixed(3)} val Dice ${r.valDice.toFixed(3)}`),
  });
  bar.finish(`best val Dice ${trained.bestValDice.toFixed(3)} at epoch ${trained.bestEpoch}`);
  return options.engine.adopt(trained, {
    scale: options.preset.scale,
    mode: 'bootstrap',
    epochs: options.epochs,
    bestEpoch: trained.bestEpoch,
    bestValDice: trained.bestValDice,
    data: 'demo (excluding the demo slide)',
  });
}
