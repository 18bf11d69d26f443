import type { ReloadableModelEngine } from '../engine/model-engine.js';
import { loadSimulationPatches } from '../simulate/load-simulation-patches.js';
import { splitTrainVal } from '../simulate/split-train-val.js';
import type { TrainingPreset } from '../training/presets.js';
import { trainModel } from '../training/train-model.js';
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
 * A fresh demo project has no model, so nothing to show. Train a first one on the bundled data set's other images
 * (never the demo slide itself) and make it version 1; the viewer's annotations then fine-tune it.
 */
export async function bootstrapDemoModel(options: BootstrapDemoModelOptions): Promise<number> {
  const { patches } = await loadSimulationPatches({
    dir: options.dataDir,
    patchSize: options.preset.patchSize,
    scale: options.preset.scale,
  });
  const usable = patches.filter((p) => p.sourceId !== options.excludeImage);
  const valCount = Math.max(4, Math.round(usable.length * 0.1));
  const { train, val } = splitTrainVal(usable, { valCount, seed: 1 });
  const bar = createProgressBar({ label: 'first model', total: options.epochs });
  const trained = await trainModel({
    train,
    val,
    unet: options.preset.unet,
    epochs: options.epochs,
    batchSize: options.preset.batchSize,
    stepsPerEpoch: options.preset.stepsPerEpoch,
    learningRate: options.preset.learningRate,
    seed: 1,
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
