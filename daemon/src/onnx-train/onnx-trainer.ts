import { availableParallelism } from 'node:os';
import { createRng, type Rng } from '@activeseg/shared';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type * as Ort from 'onnxruntime-node';
import type { LossName } from '../model/losses.js';
import { paperLearningRate } from '../model/optimizer.js';
import type { UnetConfig } from '../model/unet-config.js';
import { fillDropoutMask } from './dropout-masks.js';
import { buildTrainGraph, type TrainGraph } from './train-graph.js';
import { readBatchNormState, readParams, unetParamSpecs, writeParams } from './unet-params.js';

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
}

export interface OnnxStepInput {
  /** batch·S·S·C normalised pixels, NHWC. */
  readonly images: Float32Array;
  readonly masks: Float32Array;
  readonly weights?: Float32Array;
  readonly batch: number;
  /** Must equal the config's loss (the graph is built for it); checked so callers cannot silently disagree. */
  readonly loss?: LossName;
}

export interface OnnxStepResult {
  readonly loss: number;
}

/** Raw outputs of one graph run, for tests that compare gradients. */
export interface OnnxGradients {
  readonly loss: number;
  readonly grads: ReadonlyMap<string, Float32Array>;
}

export interface OnnxTrainer {
  /** One Adam step on one batch; returns the loss before the update (like tfjs' minimize). */
  step(input: OnnxStepInput): Promise<OnnxStepResult>;
  /**
   * Loss and gradients at the current weights, without updating anything. `dropout: false` feeds all-keep masks;
   * `dropoutSeed` draws the masks from a fresh generator, so two calls can share them.
   */
  gradients(input: OnnxStepInput, options?: { dropout?: boolean; dropoutSeed?: number }): Promise<OnnxGradients>;
  /** Copies the trained weights and BatchNorm moving statistics into `model` (same architecture). */
  writeTo(model: LayersModel): void;
  readonly iterations: number;
  dispose(): Promise<void>;
}

let ortModule: Promise<typeof Ort> | undefined;

/** onnxruntime-node, loaded on first use so machines without it still import this module. */
export function loadOnnxRuntime(): Promise<typeof Ort> {
  ortModule ??= import('onnxruntime-node');
  return ortModule;
}

/**
 * Trains the U-Net on onnxruntime's CPU kernels through {@link buildTrainGraph}: the graph returns gradients and
 * batch moments, and Adam (tfjs' AdamOptimizer arithmetic with the paper's decay) plus the BatchNorm moving averages
 * run here on Float32Arrays. Parameters stay in ONNX layout between steps; `writeTo` converts them back.
 */
export async function createOnnxTrainer(options: OnnxTrainerOptions): Promise<OnnxTrainer> {
  const ort = await loadOnnxRuntime();
  const { config } = options;
  const { params, batchNorms } = unetParamSpecs(config);
  const values = readParams(options.model, params);
  const bnState = readBatchNormState(options.model, batchNorms);
  const m = params.map((p) => new Float32Array(p.size));
  const v = params.map((p) => new Float32Array(p.size));
  const beta1 = 0.9;
  const beta2 = 0.999;
  const epsilon = 1e-7;
  let accBeta1 = beta1;
  let accBeta2 = beta2;
  let iterations = 0;
  const rng: Rng = createRng(options.seed);
  const sessions = new Map<number, { session: Ort.InferenceSession; graph: TrainGraph }>();
  const threads = options.intraOpThreads ?? availableParallelism();

  const sessionFor = async (batch: number) => {
    const known = sessions.get(batch);
    if (known) return known;
    const graph = buildTrainGraph({ config, batch, bnEpsilon: bnState.map((s) => s.epsilon) });
    const session = await ort.InferenceSession.create(graph.bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const entry = { session, graph };
    sessions.set(batch, entry);
    return entry;
  };

  const run = async (input: OnnxStepInput, dropout: boolean, maskRng: Rng = rng) => {
    if (input.loss !== undefined && input.loss !== config.loss) {
      throw new Error(`onnx trainer: built for loss '${config.loss}', asked for '${input.loss}'`);
    }
    const s = config.inputSize;
    const px = input.batch * s * s;
    const check = (name: string, a: Float32Array, expected: number) => {
      if (a.length !== expected) throw new Error(`onnx trainer: ${name} has ${a.length} floats, expected ${expected}`);
    };
    check('images', input.images, px * config.channels);
    check('masks', input.masks, px);
    if (input.weights) check('weights', input.weights, px);
    const { session, graph } = await sessionFor(input.batch);
    const feeds: Record<string, Ort.Tensor> = {
      image: new ort.Tensor('float32', input.images, [input.batch, s, s, config.channels]),
      target: new ort.Tensor('float32', input.masks, [input.batch, 1, s, s]),
      weight: new ort.Tensor('float32', input.weights ?? new Float32Array(px).fill(1), [input.batch, 1, s, s]),
    };
    params.forEach((p, i) => {
      feeds[p.name] = new ort.Tensor('float32', values[i] as Float32Array, [...p.dims]);
    });
    for (const d of graph.dropouts) {
      const mask = new Float32Array(d.dims.reduce((a, b) => a * b, 1));
      if (dropout) fillDropoutMask(mask, config.dropoutRate, maskRng);
      else mask.fill(1);
      feeds[d.name] = new ort.Tensor('float32', mask, [...d.dims]);
    }
    return session.run(feeds);
  };

  const scalarOf = (t: Ort.Tensor | undefined, name: string): number => {
    const value = (t?.data as Float32Array | undefined)?.[0];
    if (value === undefined) throw new Error(`onnx trainer: no ${name} output`);
    return value;
  };

  return {
    get iterations() {
      return iterations;
    },

    async step(input) {
      const out = await run(input, true);
      const loss = scalarOf(out.loss, 'loss');
      const lr = paperLearningRate({ lr: options.learningRate, epochs: options.epochs }, iterations);
      const c1 = 1 - accBeta1;
      const c2 = 1 - accBeta2;
      params.forEach((p, i) => {
        const g = out[`grad/${p.name}`]?.data as Float32Array | undefined;
        if (g === undefined) throw new Error(`onnx trainer: no gradient for ${p.name}`);
        const w = values[i] as Float32Array;
        const mi = m[i] as Float32Array;
        const vi = v[i] as Float32Array;
        for (let k = 0; k < w.length; k++) {
          const gk = g[k] as number;
          const mk = beta1 * (mi[k] as number) + (1 - beta1) * gk;
          const vk = beta2 * (vi[k] as number) + (1 - beta2) * gk * gk;
          mi[k] = mk;
          vi[k] = vk;
          w[k] = (w[k] as number) - (lr * (mk / c1)) / (Math.sqrt(vk / c2) + epsilon);
        }
      });
      accBeta1 *= beta1;
      accBeta2 *= beta2;
      iterations++;
      batchNorms.forEach((bn, i) => {
        const state = bnState[i] as (typeof bnState)[number];
        const mean = out[`bn_mean/${bn.layer}`]?.data as Float32Array | undefined;
        const variance = out[`bn_var/${bn.layer}`]?.data as Float32Array | undefined;
        if (mean === undefined || variance === undefined) throw new Error(`onnx trainer: no moments for ${bn.layer}`);
        const decay = 1 - state.momentum;
        for (let c = 0; c < bn.channels; c++) {
          state.mean[c] = (state.mean[c] as number) - ((state.mean[c] as number) - (mean[c] as number)) * decay;
          state.variance[c] =
            (state.variance[c] as number) - ((state.variance[c] as number) - (variance[c] as number)) * decay;
        }
      });
      return { loss };
    },

    async gradients(input, gradOptions = {}) {
      const seed = gradOptions.dropoutSeed;
      const out = await run(input, gradOptions.dropout ?? true, seed === undefined ? rng : createRng(seed));
      const grads = new Map<string, Float32Array>();
      for (const p of params) grads.set(p.name, Float32Array.from(out[`grad/${p.name}`]?.data as Float32Array));
      return { loss: scalarOf(out.loss, 'loss'), grads };
    },

    writeTo(model) {
      writeParams(model, params, values, batchNorms, bnState);
    },

    async dispose() {
      for (const { session } of sessions.values()) await session.release();
      sessions.clear();
    },
  };
}
