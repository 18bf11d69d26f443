import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  createPaperOptimizer,
  predictProbabilities,
  type TrainStepOptions,
  trainStep,
  type UnetConfig,
} from '../model/index.js';

/** Who computes the training steps: onnxruntime's native CPU kernels through our training graph, or tfjs. */
export type TrainStepEngineName = 'onnxruntime' | 'tfjs';
/** 'auto': onnxruntime when it loads (≈3× faster than tfjs-wasm on the CPU), tfjs otherwise. */
export type TrainStepEngineChoice = 'auto' | TrainStepEngineName;

export interface TrainStepEngine {
  readonly engine: TrainStepEngineName;
  /** Why 'auto' did not get onnxruntime (undefined when it did, or when tfjs was asked for). */
  readonly fallbackReason?: string;
  /** One optimizer step; the loss before the update. */
  step(input: TrainStepOptions): Promise<number>;
  /** Makes the model's variables hold the current weights (the onnxruntime engine keeps its own copy). */
  syncModel(): Promise<void>;
  /**
   * Probabilities [n, S, S] at the current weights without syncing the model (onnxruntime: its inference graph, 7×
   * faster than a tfjs-wasm forward for the paper model; tfjs: the model's own prediction).
   */
  predict(images: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export interface CreateTrainStepEngineOptions {
  readonly model: LayersModel;
  readonly config: UnetConfig;
  readonly learningRate: number;
  readonly epochs: number;
  /** Dropout masks of the onnxruntime engine (tfjs draws its own). */
  readonly seed: number;
  readonly engine?: TrainStepEngineChoice;
}

export const TRAIN_STEP_ENGINE_CHOICES: readonly TrainStepEngineChoice[] = ['auto', 'onnxruntime', 'tfjs'];

/** Validates a `--train-engine` value. */
export function parseTrainStepEngine(value: string): TrainStepEngineChoice {
  if ((TRAIN_STEP_ENGINE_CHOICES as readonly string[]).includes(value)) return value as TrainStepEngineChoice;
  throw new Error(`--train-engine: expected ${TRAIN_STEP_ENGINE_CHOICES.join(', ')}, got "${value}"`);
}

/**
 * Which engine a choice gets on this machine, and why. A GPU tfjs backend (tfjs-node-gpu, WebGPU) keeps training in
 * tfjs; on the CPU backends (wasm, cpu) onnxruntime is the fast path, so 'auto' picks it only there.
 */
export async function resolveTrainStepEngine(
  choice: TrainStepEngineChoice = 'auto',
): Promise<{ engine: TrainStepEngineName; why: string }> {
  if (choice === 'tfjs') return { engine: 'tfjs', why: 'asked for tfjs' };
  const { getBackend } = await import('@tensorflow/tfjs-core');
  const backend = getBackend();
  if (choice === 'auto' && backend !== 'wasm' && backend !== 'cpu') {
    return { engine: 'tfjs', why: `tfjs backend '${backend}' is not a CPU backend` };
  }
  try {
    const { loadOnnxRuntime } = await import('../onnx-train/onnx-trainer.js');
    await loadOnnxRuntime();
    return { engine: 'onnxruntime', why: 'onnxruntime-node loaded: native multithreaded CPU kernels' };
  } catch (err) {
    const why = `onnxruntime unavailable: ${err instanceof Error ? err.message : String(err)}`;
    if (choice === 'onnxruntime') throw new Error(why);
    return { engine: 'tfjs', why };
  }
}

/** The train-step engine for one training run (see {@link resolveTrainStepEngine}). */
export async function createTrainStepEngine(options: CreateTrainStepEngineOptions): Promise<TrainStepEngine> {
  const choice = options.engine ?? 'auto';
  const resolved = await resolveTrainStepEngine(choice);
  if (resolved.engine === 'onnxruntime') return onnxStepper(options);
  return tfjsStepper(options, choice === 'auto' ? resolved.why : undefined);
}

async function onnxStepper(options: CreateTrainStepEngineOptions): Promise<TrainStepEngine> {
  const { createOnnxTrainer } = await import('../onnx-train/onnx-trainer.js');
  const trainer = await createOnnxTrainer(options);
  return {
    engine: 'onnxruntime',
    step: async (input) => {
      if (input.size !== options.config.inputSize) {
        throw new Error(`trainStep: patches are ${input.size}² but the model input is ${options.config.inputSize}²`);
      }
      return (await trainer.step(input)).loss;
    },
    syncModel: () => trainer.writeTo(options.model),
    predict: (images, n) => trainer.predict(images, n),
    dispose: () => trainer.dispose(),
  };
}

function tfjsStepper(options: CreateTrainStepEngineOptions, fallbackReason: string | undefined): TrainStepEngine {
  const optimizer = createPaperOptimizer({ lr: options.learningRate, epochs: options.epochs });
  return {
    engine: 'tfjs',
    fallbackReason,
    step: async (input) => trainStep(options.model, optimizer, input),
    syncModel: async () => {},
    predict: async (images, n) =>
      predictProbabilities(options.model, images, { size: options.config.inputSize, batchSize: n }),
    dispose: async () => optimizer.dispose(),
  };
}
