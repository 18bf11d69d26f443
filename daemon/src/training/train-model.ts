import { augmentPair, confusionCounts, createRng, metricsFromCounts } from '@activeseg/shared';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  createUnet,
  parseUnetConfig,
  predictProbabilities,
  restoreWeights,
  snapshotWeights,
  type UnetConfig,
  type UnetConfigInput,
} from '../model/index.js';
import { createBatchSampler } from './batch-sampler.js';
import { type NormalizationStats, normalizeInto, patchNormalization } from './normalization-stats.js';
import { createTrainStepEngine, type TrainStepEngineChoice, type TrainStepEngineName } from './train-step-engine.js';
import type { TrainingPatch } from './training-patch.js';

export interface EpochReport {
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  readonly valDice: number;
  readonly best: boolean;
  readonly elapsedMs: number;
}

export interface TrainModelOptions {
  readonly train: readonly TrainingPatch[];
  readonly val: readonly TrainingPatch[];
  readonly unet: UnetConfigInput;
  readonly epochs: number;
  readonly batchSize: number;
  readonly stepsPerEpoch: number;
  readonly learningRate: number;
  readonly seed: number;
  /** Fine-tune: start from these weights (and keep their normalisation) instead of a fresh initialisation. */
  readonly init?: TrainedModel;
  readonly augment?: boolean;
  readonly onEpoch?: (report: EpochReport) => void;
  readonly signal?: AbortSignal;
  /** Train-step engine (default 'auto': onnxruntime on CPU backends when it loads, else tfjs). */
  readonly engine?: TrainStepEngineChoice;
}

export interface TrainedModel {
  readonly model: LayersModel;
  readonly config: UnetConfig;
  readonly normalization: NormalizationStats;
}

export interface TrainModelResult extends TrainedModel {
  readonly history: readonly EpochReport[];
  readonly bestEpoch: number;
  readonly bestValDice: number;
  readonly seconds: number;
  /** The engine that ran the steps, and why 'auto' fell back to tfjs if it did. */
  readonly engine: TrainStepEngineName;
  readonly engineFallback?: string;
}

/** Stacks normalised patches into one NHWC batch buffer. */
function stackImages(
  patches: readonly { image: Float32Array }[],
  stats: NormalizationStats,
  size: number,
): Float32Array {
  const out = new Float32Array(patches.length * size * size);
  patches.forEach((p, i) => {
    normalizeInto(out, i * size * size, p.image, stats);
  });
  return out;
}

/** Probabilities [n, S, S] for n stacked normalised images. */
export type BatchPredictor = (images: Float32Array, n: number) => Promise<Float32Array>;

/** Pooled Dice over the annotated pixels of a set of patches, the validation criterion for "best weights". */
export function evaluateDice(model: LayersModel, patches: readonly TrainingPatch[], stats: NormalizationStats): number {
  if (patches.length === 0) return Number.NaN;
  const size = patches[0]?.size as number;
  const probs = predictProbabilities(model, stackImages(patches, stats, size), { size, batchSize: 8 });
  return pooledDice(patches, probs, size);
}

/** {@link evaluateDice} through a train-step engine's predictions (the onnxruntime trainer's inference graph). */
export async function evaluateDiceWith(
  predict: BatchPredictor,
  patches: readonly TrainingPatch[],
  stats: NormalizationStats,
): Promise<number> {
  if (patches.length === 0) return Number.NaN;
  const size = patches[0]?.size as number;
  const probs = new Float32Array(patches.length * size * size);
  // Batches of 8, as evaluateDice: the whole validation set at once would size a session (and its arena) by it.
  for (let start = 0; start < patches.length; start += 8) {
    const chunk = patches.slice(start, start + 8);
    probs.set(await predict(stackImages(chunk, stats, size), chunk.length), start * size * size);
  }
  return pooledDice(patches, probs, size);
}

function pooledDice(patches: readonly TrainingPatch[], probs: Float32Array, size: number): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  patches.forEach((p, i) => {
    const pred = new Uint8Array(size * size);
    const off = i * size * size;
    for (let k = 0; k < pred.length; k++) pred[k] = (probs[off + k] as number) > 0.5 ? 1 : 0;
    const c = confusionCounts(pred, p.mask, p.weight);
    tp += c.tp;
    fp += c.fp;
    fn += c.fn;
    tn += c.tn;
  });
  return metricsFromCounts({ tp, fp, fn, tn }).dice;
}

/**
 * The paper's training procedure: Adam (lr 1e-2, decay lr/epochs), `stepsPerEpoch` batches of `batchSize` augmented
 * patches per epoch, validation Dice after every epoch, and the weights of the best validation epoch at the end.
 * Partially annotated patches train only on their annotated pixels (the weight mask goes into the loss).
 */
export async function trainModel(options: TrainModelOptions): Promise<TrainModelResult> {
  const started = Date.now();
  if (options.train.length === 0) throw new Error('trainModel: the training set is empty');
  const config = options.init?.config ?? parseUnetConfig({ ...options.unet, initSeed: options.seed });
  const size = config.inputSize;
  for (const p of [...options.train, ...options.val]) {
    if (p.size !== size) throw new Error(`patch ${p.id} is ${p.size}² but the model input is ${size}²`);
  }
  const normalization = options.init?.normalization ?? patchNormalization(options.train);
  const model = createUnet(config);
  if (options.init) restoreWeights(model, snapshotWeights(options.init.model));
  const rng = createRng(options.seed);
  const augRng = rng.fork();
  const nextBatch = createBatchSampler(options.train.length, rng.fork());
  let stepper: Awaited<ReturnType<typeof createTrainStepEngine>>;
  try {
    stepper = await createTrainStepEngine({
      model,
      config,
      learningRate: options.learningRate,
      epochs: options.epochs,
      seed: rng.fork().int(2 ** 31),
      engine: options.engine,
    });
  } catch (err) {
    model.dispose();
    throw err;
  }
  const augment = options.augment ?? true;
  const history: EpochReport[] = [];
  let best = { epoch: -1, dice: Number.NEGATIVE_INFINITY, weights: snapshotWeights(model) };
  const px = size * size;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('training cancelled');
      let lossSum = 0;
      for (let step = 0; step < options.stepsPerEpoch; step++) {
        const idx = nextBatch(options.batchSize);
        const images = new Float32Array(idx.length * px);
        const masks = new Float32Array(idx.length * px);
        const weights = new Float32Array(idx.length * px);
        idx.forEach((j, b) => {
          const p = options.train[j] as TrainingPatch;
          const pair = {
            image: { width: size, height: size, data: p.image },
            mask: { width: size, height: size, data: p.mask },
            weight: { width: size, height: size, data: p.weight },
          };
          const out = augment ? augmentPair(pair, augRng) : pair;
          normalizeInto(images, b * px, out.image.data, normalization);
          const m = out.mask.data;
          const w = out.weight?.data ?? p.weight;
          for (let k = 0; k < px; k++) {
            masks[b * px + k] = m[k] as number;
            weights[b * px + k] = w[k] as number;
          }
        });
        lossSum += await stepper.step({
          images,
          masks,
          weights,
          batch: idx.length,
          size,
          loss: config.loss,
        });
        // Let a daemon answer tile requests and cancels between steps: a tfjs step is synchronous work (the
        // onnxruntime engine's steps already run in a worker thread).
        await new Promise((resolve) => setImmediate(resolve));
      }
      const valDice =
        options.val.length > 0 ? await evaluateDiceWith(stepper.predict, options.val, normalization) : -lossSum;
      const improved = valDice > best.dice;
      if (improved) {
        // The onnxruntime engine keeps the weights; the model gets them only for the epochs worth keeping.
        await stepper.syncModel();
        best = { epoch, dice: valDice, weights: snapshotWeights(model) };
      }
      const report: EpochReport = {
        epoch,
        epochs: options.epochs,
        loss: lossSum / options.stepsPerEpoch,
        valDice,
        best: improved,
        elapsedMs: Date.now() - started,
      };
      history.push(report);
      options.onEpoch?.(report);
    }
    restoreWeights(model, best.weights);
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    await stepper.dispose();
  }
  return {
    model,
    config,
    normalization,
    history,
    bestEpoch: best.epoch,
    bestValDice: best.dice,
    seconds: (Date.now() - started) / 1000,
    engine: stepper.engine,
    ...(stepper.fallbackReason === undefined ? {} : { engineFallback: stepper.fallbackReason }),
  };
}
