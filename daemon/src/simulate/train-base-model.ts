import type { MaskMapping } from '../data/mask-mapping.js';
import type { TrainingPreset } from '../training/presets.js';
import { type EpochReport, type TrainModelResult, trainModel } from '../training/train-model.js';
import type { TrainStepEngineChoice } from '../training/train-step-engine.js';
import { loadSimulationPatches } from './load-simulation-patches.js';
import type { PoolCandidate } from './score-pool.js';
import { splitTrainVal } from './split-train-val.js';

export interface TrainBaseModelOptions {
  readonly dataDir: string;
  readonly images?: string;
  readonly masks?: string;
  readonly mapping?: MaskMapping;
  readonly preset: TrainingPreset;
  readonly epochs: number;
  readonly seed: number;
  /** Image-id prefixes kept out of training (a held-out subject, the demo slide): `sub-rat8` drops every rat8 image. */
  readonly exclude?: readonly string[];
  readonly engine?: TrainStepEngineChoice;
  readonly onEpoch?: (report: EpochReport) => void;
  readonly signal?: AbortSignal;
}

export interface TrainBaseModelResult {
  readonly trained: TrainModelResult;
  /** Images that trained it (for the bundle's provenance). */
  readonly images: readonly string[];
  readonly trainPatches: number;
  readonly valPatches: number;
}

export const isExcluded = (imageId: string, exclude: readonly string[] = []) =>
  exclude.some((prefix) => imageId.startsWith(prefix));

/**
 * A general starting model: trained on every patch of a data set's images except the excluded ones, with a tenth
 * (at least 4) held out by subject for validation. The shipped demo base model and the demo's first model come from
 * here; so do the held-out-subject bases of the base-vs-scratch measurement.
 */
export async function trainBaseModel(options: TrainBaseModelOptions): Promise<TrainBaseModelResult> {
  const { patches } = await loadSimulationPatches({
    dir: options.dataDir,
    ...(options.images ? { images: options.images } : {}),
    ...(options.masks ? { masks: options.masks } : {}),
    ...(options.mapping ? { mapping: options.mapping } : {}),
    patchSize: options.preset.patchSize,
    scale: options.preset.scale,
  });
  const usable: PoolCandidate[] = patches.filter((p) => !isExcluded(p.sourceId, options.exclude));
  if (usable.length === 0) throw new Error(`${options.dataDir}: no image left after excluding ${options.exclude}`);
  const valCount = Math.max(4, Math.round(usable.length * 0.1));
  const { train, val } = splitTrainVal(usable, { valCount, seed: options.seed });
  const trained = await trainModel({
    train,
    val,
    unet: options.preset.unet,
    epochs: options.epochs,
    batchSize: options.preset.batchSize,
    stepsPerEpoch: options.preset.stepsPerEpoch,
    learningRate: options.preset.learningRate,
    seed: options.seed,
    ...(options.engine ? { engine: options.engine } : {}),
    ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    trained,
    images: [...new Set(usable.map((p) => p.sourceId))].sort(),
    trainPatches: train.length,
    valPatches: val.length,
  };
}
