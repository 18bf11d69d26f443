import { availableParallelism } from 'node:os';
import type * as Ort from 'onnxruntime-node';
import type { LossName } from '../model/losses.js';
import { paperLearningRate } from '../model/optimizer.js';
import type { UnetConfig } from '../model/unet-config.js';
import { createDropoutMaskSource, type DropoutMaskSource } from '../onnx/dropout-mask-generator.js';
import { buildInferenceGraph, buildTrainGraph, type TrainGraph } from './train-graph.js';
import { type MovingStats, unetParamSpecs } from './unet-params.js';

/** Everything a trainer needs, as plain data: it crosses into a worker thread by structured clone. */
export interface TrainerCoreOptions {
  readonly config: UnetConfig;
  /** Start parameters in ONNX layout, in {@link unetParamSpecs} order (copied, not kept). */
  readonly params: readonly Float32Array[];
  readonly moving: readonly MovingStats[];
  /** Adam lr0 and the planned epochs (decay = lr0/epochs per step, Keras legacy), as createPaperOptimizer. */
  readonly learningRate: number;
  readonly epochs: number;
  /** Seeds the dropout masks; step k draws from its own stream, so masks do not depend on call timing. */
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

/** Raw outputs of one graph run, for tests that compare gradients. */
export interface OnnxGradients {
  readonly loss: number;
  readonly grads: ReadonlyMap<string, Float32Array>;
}

export interface GradientOptions {
  /** false feeds all-keep masks. */
  readonly dropout?: boolean;
  /** Draw the masks from this seed instead of the next step's stream (two calls can then share them). */
  readonly dropoutSeed?: number;
}

export interface TrainerCore {
  /** One Adam step; the loss before the update (like tfjs' minimize). */
  step(input: OnnxStepInput): Promise<number>;
  gradients(input: OnnxStepInput, options?: GradientOptions): Promise<OnnxGradients>;
  /** Copies of the current parameters (ONNX layout) and BatchNorm moving statistics. */
  state(): Promise<{ params: Float32Array[]; moving: MovingStats[] }>;
  /**
   * Probabilities [n, S, S] for n normalised NHWC images at the current weights, as tfjs' predict gives them
   * (BatchNorm on the moving statistics, no dropout).
   */
  predict(images: Float32Array, n: number): Promise<Float32Array>;
  readonly iterations: number;
  dispose(): Promise<void>;
}

/** The in-thread core, which can also draw the next step's masks ahead (the worker does, between requests). */
export interface LocalTrainerCore extends TrainerCore {
  /** Draws the next step's dropout masks now (e.g. while the caller prepares the batch). */
  prepare(batch: number): void;
}

let ortModule: Promise<typeof Ort> | undefined;

/** onnxruntime-node, loaded on first use so machines without it still import this module. */
export function loadOnnxRuntime(): Promise<typeof Ort> {
  ortModule ??= import('onnxruntime-node');
  return ortModule;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const ADAM_EPSILON = 1e-7;

/**
 * The U-Net's training on onnxruntime's CPU kernels through {@link buildTrainGraph}: the graph returns gradients and
 * batch moments; Adam (tfjs' AdamOptimizer arithmetic with the paper's decay) and the BatchNorm moving averages run
 * here on Float32Arrays. No tfjs: this runs in a worker thread as well as in the caller's.
 */
export async function createTrainerCore(options: TrainerCoreOptions): Promise<LocalTrainerCore> {
  const ort = await loadOnnxRuntime();
  const { config } = options;
  const { params, batchNorms } = unetParamSpecs(config);
  if (options.params.length !== params.length) {
    throw new Error(`onnx trainer: ${options.params.length} parameter arrays for ${params.length} parameters`);
  }
  const values = params.map((p, i) => {
    const a = options.params[i] as Float32Array;
    if (a.length !== p.size) throw new Error(`onnx trainer: ${p.name} has ${a.length} values, expected ${p.size}`);
    return Float32Array.from(a);
  });
  const moving = options.moving.map((s) => ({
    ...s,
    mean: Float32Array.from(s.mean),
    variance: Float32Array.from(s.variance),
  }));
  const m = params.map((p) => new Float32Array(p.size));
  const v = params.map((p) => new Float32Array(p.size));
  let accBeta1 = BETA1;
  let accBeta2 = BETA2;
  let iterations = 0;
  const sessions = new Map<number, { session: Ort.InferenceSession; graph: TrainGraph }>();
  const inferSessions = new Map<number, Ort.InferenceSession>();
  const threads = options.intraOpThreads ?? availableParallelism();
  let prepared: { step: number; batch: number; masks: Float32Array[] } | undefined;

  const bnEpsilon = moving.map((s) => s.epsilon);
  const sessionOptions: Ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  };
  const sessionFor = async (batch: number) => {
    const known = sessions.get(batch);
    if (known) return known;
    const graph = buildTrainGraph({ config, batch, bnEpsilon });
    const session = await ort.InferenceSession.create(graph.bytes, sessionOptions);
    const entry = { session, graph };
    sessions.set(batch, entry);
    return entry;
  };
  // The MC engine's seeded SIMD generator; step k is "pass" k of its streams, so a step's masks do not depend on when
  // they are drawn (prepare) and one step's masks are independent of every other's. Arrays are views into the
  // generator's memory, valid until its next call.
  const stepMasks = createDropoutMaskSource({ seed: options.seed });
  const drawMasks = (graph: TrainGraph, source: DropoutMaskSource | undefined, pass: number) => {
    if (source === undefined)
      return graph.dropouts.map((d) => new Float32Array(d.dims.reduce((a, b) => a * b, 1)).fill(1));
    const keep = 1 / (1 - config.dropoutRate);
    const requests = graph.dropouts.map((d) => ({
      rate: config.dropoutRate,
      keep,
      length: d.dims.reduce((a, b) => a * b, 1),
    }));
    return source.masks(requests, pass, 1);
  };

  const run = async (input: OnnxStepInput, masks: (graph: TrainGraph) => Float32Array[]) => {
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
    const drawn = masks(graph);
    graph.dropouts.forEach((d, i) => {
      feeds[d.name] = new ort.Tensor('float32', drawn[i] as Float32Array, [...d.dims]);
    });
    return session.run(feeds);
  };

  const scalarOf = (t: Ort.Tensor | undefined, name: string): number => {
    const value = (t?.data as Float32Array | undefined)?.[0];
    if (value === undefined) throw new Error(`onnx trainer: no ${name} output`);
    return value;
  };

  const masksForStep = (batch: number) => (graph: TrainGraph) => {
    const ready = prepared;
    prepared = undefined;
    if (ready && ready.step === iterations && ready.batch === batch) return ready.masks;
    return drawMasks(graph, stepMasks, iterations);
  };

  return {
    get iterations() {
      return iterations;
    },

    prepare(batch) {
      const graph = sessions.get(batch)?.graph;
      // Before the first step of a batch size the graph (and so the mask shapes) is not built yet; step draws then.
      if (graph) prepared = { step: iterations, batch, masks: drawMasks(graph, stepMasks, iterations) };
    },

    async step(input) {
      const out = await run(input, masksForStep(input.batch));
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
          const mk = BETA1 * (mi[k] as number) + (1 - BETA1) * gk;
          const vk = BETA2 * (vi[k] as number) + (1 - BETA2) * gk * gk;
          mi[k] = mk;
          vi[k] = vk;
          w[k] = (w[k] as number) - (lr * (mk / c1)) / (Math.sqrt(vk / c2) + ADAM_EPSILON);
        }
      });
      accBeta1 *= BETA1;
      accBeta2 *= BETA2;
      iterations++;
      batchNorms.forEach((bn, i) => {
        const state = moving[i] as MovingStats;
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
      return loss;
    },

    async gradients(input, gradOptions = {}) {
      const source =
        gradOptions.dropout === false
          ? undefined
          : createDropoutMaskSource({ seed: gradOptions.dropoutSeed ?? options.seed });
      const out = await run(input, (graph) => drawMasks(graph, source, 0));
      const grads = new Map<string, Float32Array>();
      for (const p of params) grads.set(p.name, Float32Array.from(out[`grad/${p.name}`]?.data as Float32Array));
      return { loss: scalarOf(out.loss, 'loss'), grads };
    },

    async predict(images, n) {
      const s = config.inputSize;
      if (images.length !== n * s * s * config.channels) {
        throw new Error(
          `onnx trainer: predict got ${images.length} floats for ${n} images of ${s}²×${config.channels}`,
        );
      }
      let session = inferSessions.get(n);
      if (session === undefined) {
        session = await ort.InferenceSession.create(
          buildInferenceGraph({ config, batch: n, bnEpsilon }).bytes,
          sessionOptions,
        );
        inferSessions.set(n, session);
      }
      const feeds: Record<string, Ort.Tensor> = {
        image: new ort.Tensor('float32', images, [n, s, s, config.channels]),
      };
      params.forEach((p, i) => {
        feeds[p.name] = new ort.Tensor('float32', values[i] as Float32Array, [...p.dims]);
      });
      batchNorms.forEach((bn, i) => {
        const state = moving[i] as MovingStats;
        feeds[`moving_mean/${bn.layer}`] = new ort.Tensor('float32', state.mean, [1, bn.channels, 1, 1]);
        feeds[`moving_var/${bn.layer}`] = new ort.Tensor('float32', state.variance, [1, bn.channels, 1, 1]);
      });
      const out = await session.run(feeds);
      const probability = out.probability?.data;
      if (!(probability instanceof Float32Array)) throw new Error('onnx trainer: no probability output');
      return probability;
    },

    async state() {
      return {
        params: values.map((a) => Float32Array.from(a)),
        moving: moving.map((s) => ({ ...s, mean: Float32Array.from(s.mean), variance: Float32Array.from(s.variance) })),
      };
    },

    async dispose() {
      for (const { session } of sessions.values()) await session.release();
      for (const session of inferSessions.values()) await session.release();
      sessions.clear();
      inferSessions.clear();
    },
  };
}
