import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { UnetConfig } from '../model/unet-config.js';
import { createTrainerCore, type GradientOptions, type OnnxGradients, type OnnxStepInput } from './trainer-core.js';
import { readBatchNormState, readParams, unetParamSpecs, writeParams } from './unet-params.js';

export { loadOnnxRuntime, type OnnxGradients, type OnnxStepInput } from './trainer-core.js';

export interface OnnxTrainerOptions {
  /** Start weights and BatchNorm statistics; left untouched until {@link OnnxTrainer.writeTo}. */
  readonly model: LayersModel;
  readonly config: UnetConfig;
  /** Adam lr0 and the planned epochs (decay = lr0/epochs per step, Keras legacy), as createPaperOptimizer. */
  readonly learningRate: number;
  readonly epochs: number;
  /** Seeds the dropout masks. */
  readonly seed: number;
  /** onnxruntime intra-op threads (default: all cores). */
  readonly intraOpThreads?: number;
  /**
   * 'worker' (default): onnxruntime runs in a worker thread, so the caller's event loop stays free during a step
   * (onnxruntime-node blocks the thread that calls `session.run`); 'main': in the calling thread.
   */
  readonly thread?: 'worker' | 'main';
}

export interface OnnxTrainer {
  /** One Adam step on one batch; returns the loss before the update (like tfjs' minimize). */
  step(input: OnnxStepInput): Promise<{ loss: number }>;
  /** Loss and gradients at the current weights, without updating anything (see {@link GradientOptions}). */
  gradients(input: OnnxStepInput, options?: GradientOptions): Promise<OnnxGradients>;
  /** Probabilities [n, S, S] at the current weights, as the tfjs model would predict them after {@link writeTo}. */
  predict(images: Float32Array, n: number): Promise<Float32Array>;
  /** Copies the trained weights and BatchNorm moving statistics into `model` (same architecture). */
  writeTo(model: LayersModel): Promise<void>;
  readonly iterations: number;
  dispose(): Promise<void>;
}

/**
 * Trains the tfjs U-Net's weights on onnxruntime (see `trainer-core.ts`): reads the model's weights into ONNX layout,
 * trains there, and writes them back on request. The model itself is not touched in between.
 */
export async function createOnnxTrainer(options: OnnxTrainerOptions): Promise<OnnxTrainer> {
  const { config } = options;
  const { params, batchNorms } = unetParamSpecs(config);
  const coreOptions = {
    config,
    params: readParams(options.model, params),
    moving: readBatchNormState(options.model, batchNorms),
    learningRate: options.learningRate,
    epochs: options.epochs,
    seed: options.seed,
    ...(options.intraOpThreads === undefined ? {} : { intraOpThreads: options.intraOpThreads }),
  };
  const core =
    (options.thread ?? 'worker') === 'worker'
      ? await (await import('./spawn-trainer-worker.js')).spawnTrainerWorker(coreOptions)
      : await createTrainerCore(coreOptions);
  return {
    get iterations() {
      return core.iterations;
    },
    step: async (input) => ({ loss: await core.step(input) }),
    gradients: (input, gradOptions) => core.gradients(input, gradOptions),
    predict: (images, n) => core.predict(images, n),
    async writeTo(model) {
      const state = await core.state();
      writeParams(model, params, state.params, batchNorms, state.moving);
    },
    dispose: () => core.dispose(),
  };
}
