import type { LayersModel } from '@tensorflow/tfjs-layers';
import { createPaperOptimizer, type TrainStepOptions, trainStep, type UnetConfig } from '../model/index.js';

/** Who computes the training steps: onnxruntime's native CPU kernels through our training graph, or tfjs. */
export type TrainEngineName = 'onnxruntime' | 'tfjs';
/** 'auto': onnxruntime when it loads (≈3× faster than tfjs-wasm on the CPU), tfjs otherwise. */
export type TrainEngineChoice = 'auto' | TrainEngineName;

export interface TrainStepper {
  readonly engine: TrainEngineName;
  /** Why 'auto' did not get onnxruntime (undefined when it did, or when tfjs was asked for). */
  readonly fallbackReason?: string;
  /** One optimizer step; the loss before the update. */
  step(input: TrainStepOptions): Promise<number>;
  /** Makes the model's variables hold the current weights (the onnxruntime engine keeps its own copy). */
  syncModel(): void;
  dispose(): Promise<void>;
}

export interface CreateTrainStepperOptions {
  readonly model: LayersModel;
  readonly config: UnetConfig;
  readonly learningRate: number;
  readonly epochs: number;
  /** Dropout masks of the onnxruntime engine (tfjs draws its own). */
  readonly seed: number;
  readonly engine?: TrainEngineChoice;
}

/**
 * The train-step engine for one training run. A GPU tfjs backend (tfjs-node-gpu, WebGPU) should keep training in
 * tfjs; on the CPU backends (wasm, cpu) onnxruntime is the fast path, so 'auto' picks it only there.
 */
export async function createTrainStepper(options: CreateTrainStepperOptions): Promise<TrainStepper> {
  const choice = options.engine ?? 'auto';
  let fallbackReason: string | undefined;
  if (choice !== 'tfjs') {
    const { getBackend } = await import('@tensorflow/tfjs-core');
    const backend = getBackend();
    const cpuBackend = backend === 'wasm' || backend === 'cpu';
    if (choice === 'onnxruntime' || cpuBackend) {
      try {
        return await onnxStepper(options);
      } catch (err) {
        if (choice === 'onnxruntime') throw err;
        fallbackReason = `onnxruntime unavailable: ${err instanceof Error ? err.message : String(err)}`;
      }
    } else {
      fallbackReason = `tfjs backend '${backend}' is not a CPU backend`;
    }
  }
  return tfjsStepper(options, fallbackReason);
}

async function onnxStepper(options: CreateTrainStepperOptions): Promise<TrainStepper> {
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
    dispose: () => trainer.dispose(),
  };
}

function tfjsStepper(options: CreateTrainStepperOptions, fallbackReason: string | undefined): TrainStepper {
  const optimizer = createPaperOptimizer({ lr: options.learningRate, epochs: options.epochs });
  return {
    engine: 'tfjs',
    fallbackReason,
    step: async (input) => trainStep(options.model, optimizer, input),
    syncModel: () => {},
    dispose: async () => optimizer.dispose(),
  };
}
