import { BCE_EPSILON, DICE_SMOOTH, WBCE_POSITIVE_WEIGHT } from '../model/loss-constants.js';
import type { UnetConfig } from '../model/unet-config.js';
import {
  type ActivationShape,
  type BatchNormLayerSpec,
  type ConcatLayerSpec,
  type ConvLayerSpec,
  type ConvTransposeLayerSpec,
  type DropoutLayerSpec,
  type InputLayerSpec,
  type LayerKind,
  type LayerSpec,
  type MaxPoolLayerSpec,
  type ReluLayerSpec,
  unetSpec,
} from '../model/unet-spec.js';
import { int, ints, OnnxGraphBuilder } from '../onnx/onnx-graph-builder.js';
import { type BatchNormSpec, type ParamSpec, unetParamSpecs } from './unet-params.js';

const OPSET = 17;

/** NCHW, batch included. */
type Shape = readonly [number, number, number, number];
interface Value {
  readonly name: string;
  readonly shape: Shape;
}

export interface TrainGraphOptions {
  readonly config: UnetConfig;
  /** Static batch size: one session per batch size keeps every shape known while the graph is written. */
  readonly batch: number;
  /** BatchNormalization epsilon per layer, in {@link unetParamSpecs} order (tfjs-layers default 1e-3). */
  readonly bnEpsilon: readonly number[];
  /**
   * 'train' (default): the training step. 'infer': the plain forward pass as tfjs' `predict` runs it (BatchNorm on the
   * moving statistics, given as inputs `moving_mean/<layer>` and `moving_var/<layer>` [1, C, 1, 1]; dropout off),
   * output `probability` [N, 1, S, S]: validation without copying weights back into tfjs.
   */
  readonly mode?: 'train' | 'infer';
}

export interface DropoutInput {
  readonly name: string;
  /** NCHW: the mask multiplies the activation, so it holds 0 or 1/(1 − rate). */
  readonly dims: Shape;
}

export interface TrainGraph {
  readonly bytes: Uint8Array;
  readonly params: readonly ParamSpec[];
  readonly batchNorms: readonly BatchNormSpec[];
  readonly dropouts: readonly DropoutInput[];
}

/**
 * One training step of the U-Net of {@link unetSpec} as a plain ONNX inference graph: forward with BatchNorm on batch
 * moments, the loss, and the hand-written backward pass of every op, so onnxruntime's native multithreaded kernels
 * compute the gradients (onnxruntime-node has no training API, and tfjs-wasm is single-threaded in Node). The spec is
 * walked in order through {@link LAYER_OPS}; the backward steps then run in reverse.
 *
 * Inputs: `image`, `target`, `weight` ([N, S, S, C] / [N, S, S, 1], NHWC like the tfjs trainer), every parameter
 * under its {@link ParamSpec} name in ONNX layout, and one dropout mask per dropout layer (drawn outside, so the
 * trainer controls seeds). Outputs: `loss`, `grad/<param>` for every parameter, and `bn_mean/<layer>`,
 * `bn_var/<layer>` (the biased batch moments tfjs-layers feeds its moving averages).
 */
export function buildTrainGraph(options: TrainGraphOptions): TrainGraph {
  const { config, batch: n } = options;
  const infer = options.mode === 'infer';
  const spec = unetSpec(config);
  const { params, batchNorms } = unetParamSpecs(config);
  if (options.bnEpsilon.length !== batchNorms.length) {
    throw new Error(`buildTrainGraph: ${options.bnEpsilon.length} BatchNorm epsilons for ${batchNorms.length} layers`);
  }
  const epsilons = new Map(batchNorms.map((bn, i) => [bn.layer, options.bnEpsilon[i] as number]));
  const g = new OnnxGraphBuilder();
  const dropouts: DropoutInput[] = [];
  const paramGrads = new Map<string, string>();
  for (const p of params) g.input(p.name, p.dims);
  const context: GraphContext = {
    g,
    n,
    infer,
    epsilon: (layer) => epsilons.get(layer) as number,
    mask: (layer, shape) => {
      const name = g.input(`mask/${layer}`, shape);
      dropouts.push({ name, dims: shape });
      return name;
    },
    setParamGrad: (name, grad) => {
      if (paramGrads.has(name)) throw new Error(`buildTrainGraph: ${name} used twice`);
      paramGrads.set(name, grad);
    },
  };

  // Forward, in spec order, keeping what each backward step needs.
  const values = new Map<string, Value>();
  const needsGrad = new Set<string>();
  const tape: { layer: LayerSpec; inputs: Value[]; output: Value; saved: unknown }[] = [];
  let last: Value | undefined;
  for (const layer of spec) {
    const inputs = layer.inputs.map((name) => {
      const value = values.get(name);
      if (value === undefined) throw new Error(`buildTrainGraph: ${layer.name} reads '${name}' before it exists`);
      return value;
    });
    const { output, saved } = opOf(layer).forward(context, layer, inputs);
    values.set(layer.name, output);
    last = output;
    if (layer.weights.length > 0 || layer.inputs.some((name) => needsGrad.has(name))) needsGrad.add(layer.name);
    // A layer that wrote no node (dropout off) has nothing to differentiate.
    if (inputs.some((x) => x.name === output.name)) continue;
    tape.push({ layer, inputs, output, saved });
  }
  const p = last as Value;
  if (infer) {
    g.output('probability', p.name, p.shape);
  } else {
    const s = config.inputSize;
    const target = g.input('target', [n, 1, s, s]);
    const weight = g.input('weight', [n, 1, s, s]);
    const { loss, dp } = lossAndGradient(g, config.loss, p.name, target, weight);
    g.output('loss', loss, []);

    // Backward, in reverse; a value read twice (skip connections) sums its gradient contributions.
    const contributions = new Map<string, string[]>([[p.name, [dp]]]);
    const gradOf = (value: string): string | undefined => {
      const list = contributions.get(value);
      if (list === undefined || list.length === 0) return undefined;
      return list.length === 1 ? list[0] : g.op('Sum', list);
    };
    for (let i = tape.length - 1; i >= 0; i--) {
      const step = tape[i] as (typeof tape)[number];
      const dy = gradOf(step.output.name);
      if (dy === undefined) continue;
      const wanted = step.layer.inputs.map((name) => needsGrad.has(name));
      const grads = opOf(step.layer).backward(context, step.layer, { ...step, dy, wanted });
      grads.forEach((grad, k) => {
        const x = step.inputs[k] as Value;
        if (grad === undefined) return;
        const list = contributions.get(x.name);
        if (list === undefined) contributions.set(x.name, [grad]);
        else list.push(grad);
      });
    }
    for (const param of params) {
      const grad = paramGrads.get(param.name);
      if (grad === undefined) throw new Error(`buildTrainGraph: no gradient reached ${param.name}`);
      g.output(`grad/${param.name}`, grad, param.dims);
    }
  }
  return { bytes: g.encode('unet_train_step', OPSET), params, batchNorms, dropouts };
}

/** The forward-only graph of {@link TrainGraphOptions} mode 'infer'. */
export function buildInferenceGraph(options: Omit<TrainGraphOptions, 'mode'>): TrainGraph {
  return buildTrainGraph({ ...options, mode: 'infer' });
}

// --- one {forward, backward} per layer kind --------------------------------------------------------------------

interface GraphContext {
  readonly g: OnnxGraphBuilder;
  /** Batch size. */
  readonly n: number;
  readonly infer: boolean;
  epsilon(layer: string): number;
  /** Declares the dropout mask input of `layer` and returns its name. */
  mask(layer: string, shape: Shape): string;
  setParamGrad(name: string, grad: string): void;
}

interface BackwardStep<S> {
  readonly inputs: readonly Value[];
  readonly output: Value;
  readonly saved: S;
  /** Gradient of the loss with respect to the output. */
  readonly dy: string;
  /** Per input: whether anything upstream needs its gradient (the image does not). */
  readonly wanted: readonly boolean[];
}

/**
 * A layer kind's part of the training graph. `forward` writes the forward nodes and returns the output (NCHW) and
 * what `backward` needs; `backward` writes the parameter gradients (through `setParamGrad`) and returns the gradient
 * of each input (undefined where not wanted).
 */
interface LayerOp<L extends LayerSpec, S = unknown> {
  forward(context: GraphContext, layer: L, inputs: readonly Value[]): { output: Value; saved: S };
  backward(context: GraphContext, layer: L, step: BackwardStep<S>): (string | undefined)[];
}

const nchw = (n: number, [h, w, c]: ActivationShape): Shape => [n, c, h, w];
const only = (inputs: readonly Value[]) => inputs[0] as Value;
const reduceToChannels = (g: OnnxGraphBuilder, dy: string) =>
  g.op('ReduceSum', [dy, g.int64([0, 2, 3])], [int('keepdims', 0)]);

const inputOp: LayerOp<InputLayerSpec> = {
  forward({ g, n }, layer) {
    const [s, , channels] = layer.shape;
    const image = g.input(layer.name, [n, s, s, channels]);
    // NHWC → NCHW; with one channel the two layouts share their memory order and a Reshape is free.
    const name =
      channels === 1
        ? g.op('Reshape', [image, g.int64([n, 1, s, s])])
        : g.op('Transpose', [image], [ints('perm', [0, 3, 1, 2])]);
    return { output: { name, shape: nchw(n, layer.shape) }, saved: undefined };
  },
  backward: () => [],
};

/** Stride-1 'same' conv with bias; k = 3 (blocks) or 1 (head), sigmoid on the head. */
const convOp: LayerOp<ConvLayerSpec> = {
  forward({ g, n }, layer, inputs) {
    const k = layer.kernel;
    const pad = (k - 1) / 2;
    const attrs = [ints('kernel_shape', [k, k]), ints('pads', [pad, pad, pad, pad])];
    const z = g.op('Conv', [only(inputs).name, `${layer.name}/kernel`, `${layer.name}/bias`], attrs);
    const name = layer.activation === 'sigmoid' ? g.op('Sigmoid', [z]) : z;
    return { output: { name, shape: nchw(n, layer.shape) }, saved: undefined };
  },
  backward({ g, setParamGrad }, layer, { inputs, output, dy, wanted }) {
    const x = only(inputs);
    const k = layer.kernel;
    const cout = layer.shape[2];
    const w = `${layer.name}/kernel`;
    // Through the sigmoid: dz = dy · p · (1 − p).
    const dz =
      layer.activation === 'sigmoid'
        ? g.op('Mul', [dy, g.op('Mul', [output.name, g.op('Sub', [g.scalar(1), output.name])])])
        : dy;
    setParamGrad(w, convKernelGrad(g, x, dz, cout, k));
    setParamGrad(`${layer.name}/bias`, reduceToChannels(g, dz));
    if (!wanted[0]) return [undefined];
    // dx is the 'same' conv of dz with the kernel flipped in space and its channel axes swapped. A Conv rather than
    // ConvTranspose(dz, w): onnxruntime's blocked-layout Conv kernels made the step 8 % faster.
    const pad = (k - 1) / 2;
    const attrs = [ints('kernel_shape', [k, k]), ints('pads', [pad, pad, pad, pad])];
    const swapped = g.op('Transpose', [w], [ints('perm', [1, 0, 2, 3])]);
    const flipped =
      k === 1
        ? swapped
        : g.op('Slice', [
            swapped,
            g.int64([-1, -1]),
            g.int64([-(k + 1), -(k + 1)]),
            g.int64([2, 3]),
            g.int64([-1, -1]),
          ]);
    return [g.op('Conv', [dz, flipped], attrs)];
  },
};

/**
 * dW[co, ci, i, j] = Σ_{n,y,x} dy[n, co, y, x] · xpad[n, ci, y + i, x + j]: per tap one GEMM of dy [Co, N·H·W]
 * with the shifted input [Ci, N·H·W]. Measured on 2 cores (base 8, 128², batch 5): 18 % faster per step than one
 * GEMM over a concatenated im2col matrix, whose copy cost more than the GEMM calls saved.
 */
function convKernelGrad(g: OnnxGraphBuilder, x: Value, dy: string, cout: number, k: number): string {
  const [n, cin, h, w] = x.shape;
  const pixels = n * h * w;
  const xT = g.op('Transpose', [x.name], [ints('perm', [1, 0, 2, 3])]);
  const dyT = g.op('Reshape', [g.op('Transpose', [dy], [ints('perm', [1, 0, 2, 3])]), g.int64([cout, pixels])]);
  const product = (taps: string) =>
    g.op('Gemm', [dyT, g.op('Reshape', [taps, g.int64([cin, pixels])])], [int('transB', 1)]);
  if (k === 1) return g.op('Reshape', [product(xT), g.int64([cout, cin, 1, 1])]);
  const pad = (k - 1) / 2;
  const padded = g.op('Pad', [xT, g.int64([0, 0, pad, pad, 0, 0, pad, pad])]);
  const parts: string[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const shifted = g.op('Slice', [padded, g.int64([i, j]), g.int64([i + h, j + w]), g.int64([2, 3])]);
      parts.push(g.op('Reshape', [product(shifted), g.int64([cout, cin, 1])]));
    }
  }
  return g.op('Reshape', [g.op('Concat', parts, [int('axis', 2)]), g.int64([cout, cin, k, k])]);
}

interface BatchNormSaved {
  readonly xhat: string;
  readonly invStd: string;
}

/**
 * Training: batch moments, biased variance, as tfjs-layers' normalizeBatchInTraining (and outputs `bn_mean/<layer>`,
 * `bn_var/<layer>` for the moving averages). Inference: the moving statistics, fed as inputs.
 */
const batchNormOp: LayerOp<BatchNormLayerSpec, BatchNormSaved | undefined> = {
  forward({ g, n, infer, epsilon }, layer, inputs) {
    const z = only(inputs);
    const shape = nchw(n, layer.shape);
    const c = shape[1];
    const eps = g.scalar(epsilon(layer.name));
    const gamma = `${layer.name}/gamma`;
    const beta = `${layer.name}/beta`;
    if (infer) {
      const movingMean = g.input(`moving_mean/${layer.name}`, [1, c, 1, 1]);
      const movingVar = g.input(`moving_var/${layer.name}`, [1, c, 1, 1]);
      const scale = g.op('Mul', [gamma, g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [movingVar, eps])])])]);
      const shifted = g.op('Sub', [beta, g.op('Mul', [movingMean, scale])]);
      return { output: { name: g.op('Add', [g.op('Mul', [z.name, scale]), shifted]), shape }, saved: undefined };
    }
    const axes = g.int64([0, 2, 3]);
    const invCount = g.scalar(1 / (shape[0] * shape[2] * shape[3]));
    const keep = [int('keepdims', 1)];
    const mean = g.op('Mul', [g.op('ReduceSum', [z.name, axes], keep), invCount]);
    const centered = g.op('Sub', [z.name, mean]);
    const variance = g.op('Mul', [g.op('ReduceSum', [g.op('Mul', [centered, centered]), axes], keep), invCount]);
    const invStd = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, eps])])]);
    const xhat = g.op('Mul', [centered, invStd]);
    const name = g.op('Add', [g.op('Mul', [xhat, gamma]), beta]);
    g.output(`bn_mean/${layer.name}`, g.op('Reshape', [mean, g.int64([c])]), [c]);
    g.output(`bn_var/${layer.name}`, g.op('Reshape', [variance, g.int64([c])]), [c]);
    return { output: { name, shape }, saved: { xhat, invStd } };
  },
  backward({ g, setParamGrad }, layer, { output, saved, dy }) {
    if (saved === undefined) throw new Error(`buildTrainGraph: ${layer.name} has no training forward`);
    const { xhat, invStd } = saved;
    const [n, , h, w] = output.shape;
    const axes = g.int64([0, 2, 3]);
    const invCount = g.scalar(1 / (n * h * w));
    const keep = [int('keepdims', 1)];
    const gamma = `${layer.name}/gamma`;
    const dBeta = g.op('ReduceSum', [dy, axes], keep);
    const dGamma = g.op('ReduceSum', [g.op('Mul', [dy, xhat]), axes], keep);
    setParamGrad(`${layer.name}/beta`, dBeta);
    setParamGrad(gamma, dGamma);
    // dz = a·(dy − dβ/M − x̂·dγ/M) with a = γ/σ, folded into per-channel factors so only 3 full-size ops remain.
    const a = g.op('Mul', [gamma, invStd]);
    const negA = g.op('Mul', [g.op('Neg', [a]), invCount]);
    const c1 = g.op('Mul', [negA, dGamma]);
    const c0 = g.op('Mul', [negA, dBeta]);
    return [g.op('Add', [g.op('Mul', [dy, a]), g.op('Add', [g.op('Mul', [xhat, c1]), c0])])];
  },
};

const reluOp: LayerOp<ReluLayerSpec> = {
  forward({ g }, _layer, inputs) {
    const x = only(inputs);
    return { output: { name: g.op('Relu', [x.name]), shape: x.shape }, saved: undefined };
  },
  backward({ g }, _layer, { output, dy }) {
    const zero = g.scalar(0);
    return [g.op('Where', [g.op('Greater', [output.name, zero]), dy, zero])];
  },
};

/**
 * 2×2 max-pool. The gradient goes to the first maximum of each window (onnxruntime's Indices output, the same tie
 * rule as tfjs' MaxPoolGrad): routing to every tied input would be wrong where a flat image region ties after ReLU.
 */
const maxPoolOp: LayerOp<MaxPoolLayerSpec, string> = {
  forward({ g, n }, layer, inputs) {
    const attrs = [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])];
    const [pooled, indices] = g.opN('MaxPool', [only(inputs).name], 2, attrs);
    return { output: { name: pooled as string, shape: nchw(n, layer.shape) }, saved: indices as string };
  },
  backward({ g }, _layer, { inputs, saved: indices, dy }) {
    const shape = only(inputs).shape;
    const flat = g.int64([-1]);
    const zeros = g.op('ConstantOfShape', [g.int64([shape.reduce((a, b) => a * b, 1)])]);
    const scattered = g.op('ScatterElements', [zeros, g.op('Reshape', [indices, flat]), g.op('Reshape', [dy, flat])]);
    return [g.op('Reshape', [scattered, g.int64([...shape])])];
  },
};

/** Multiplies by a mask input (0 or 1/(1 − rate)); the identity at rate 0 and in inference. */
const dropoutOp: LayerOp<DropoutLayerSpec, string> = {
  forward({ g, infer, mask }, layer, inputs) {
    const x = only(inputs);
    // No node written: the walker records no backward step for it.
    if (layer.rate === 0 || infer) return { output: x, saved: '' };
    const m = mask(layer.name, x.shape);
    return { output: { name: g.op('Mul', [x.name, m]), shape: x.shape }, saved: m };
  },
  backward: ({ g }, _layer, { saved: m, dy }) => [g.op('Mul', [dy, m])],
};

/** Conv2DTranspose 2×2 stride 2 (ONNX weight [Cin, Cout, 2, 2]). */
const convTransposeOp: LayerOp<ConvTransposeLayerSpec> = {
  forward({ g, n }, layer, inputs) {
    const attrs = [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])];
    const name = g.op('ConvTranspose', [only(inputs).name, `${layer.name}/kernel`, `${layer.name}/bias`], attrs);
    return { output: { name, shape: nchw(n, layer.shape) }, saved: undefined };
  },
  backward({ g, setParamGrad }, layer, { inputs, output, dy, wanted }) {
    const x = only(inputs);
    const w = `${layer.name}/kernel`;
    const [n, cin, h, wd] = x.shape;
    const cout = output.shape[1];
    const pixels = n * h * wd;
    const xT = g.op('Reshape', [g.op('Transpose', [x.name], [ints('perm', [1, 0, 2, 3])]), g.int64([cin, pixels])]);
    // dy[n, co, 2y + i, 2x + j] → rows (n, y, x), columns (co, i, j).
    const blocks = g.op('Reshape', [dy, g.int64([n, cout, h, 2, wd, 2])]);
    const rows = g.op('Transpose', [blocks], [ints('perm', [0, 2, 4, 1, 3, 5])]);
    const dyR = g.op('Reshape', [rows, g.int64([pixels, cout * 4])]);
    setParamGrad(w, g.op('Reshape', [g.op('Gemm', [xT, dyR]), g.int64([cin, cout, 2, 2])]));
    setParamGrad(`${layer.name}/bias`, reduceToChannels(g, dy));
    // Conv with the same [Cin, Cout, 2, 2] tensor read as [M, C, kH, kW] is the input gradient.
    const attrs = [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])];
    return [wanted[0] ? g.op('Conv', [dy, w], attrs) : undefined];
  },
};

const concatOp: LayerOp<ConcatLayerSpec> = {
  forward({ g, n }, layer, inputs) {
    const name = g.op(
      'Concat',
      inputs.map((x) => x.name),
      [int('axis', 1)],
    );
    return { output: { name, shape: nchw(n, layer.shape) }, saved: undefined };
  },
  backward({ g }, _layer, { inputs, dy }) {
    const sizes = inputs.map((x) => x.shape[1]);
    return g.opN('Split', [dy, g.int64(sizes)], inputs.length, [int('axis', 1)]);
  },
};

/** Every layer kind of the spec; the type makes a new kind without training ops a compile error. */
const LAYER_OPS: { readonly [K in LayerKind]: LayerOp<Extract<LayerSpec, { kind: K }>> } = {
  input: inputOp,
  conv: convOp,
  batchNorm: batchNormOp,
  relu: reluOp,
  maxPool: maxPoolOp,
  dropout: dropoutOp,
  convTranspose: convTransposeOp,
  concat: concatOp,
};

function opOf(layer: LayerSpec): LayerOp<LayerSpec> {
  // The registry's type pairs each kind with its op; TypeScript cannot carry that pairing through an index.
  return LAYER_OPS[layer.kind] as LayerOp<LayerSpec>;
}

/** The configured loss on sigmoid outputs p and its gradient with respect to p. */
function lossAndGradient(
  g: OnnxGraphBuilder,
  lossName: UnetConfig['loss'],
  p: string,
  y: string,
  w: string,
): { loss: string; dp: string } {
  const one = g.scalar(1);
  const sumAll = (v: string) => g.op('ReduceSum', [v], [int('keepdims', 0)]);
  if (lossName === 'dice') {
    const wy = g.op('Mul', [w, y]);
    const intersection = sumAll(g.op('Mul', [wy, p]));
    const denominator = g.op('Add', [g.op('Add', [sumAll(wy), sumAll(g.op('Mul', [w, p]))]), g.scalar(DICE_SMOOTH)]);
    const numerator = g.op('Add', [g.op('Mul', [intersection, g.scalar(2)]), g.scalar(DICE_SMOOTH)]);
    const loss = g.op('Sub', [one, g.op('Div', [numerator, denominator])]);
    // d/dp of 1 − num/den = −(2·w·y·den − num·w) / den²
    const top = g.op('Sub', [g.op('Mul', [w, numerator]), g.op('Mul', [g.op('Mul', [wy, g.scalar(2)]), denominator])]);
    return { loss, dp: g.op('Div', [top, g.op('Mul', [denominator, denominator])]) };
  }
  const lo = g.scalar(BCE_EPSILON);
  const hi = g.scalar(1 - BCE_EPSILON);
  const pc = g.op('Clip', [p, lo, hi]);
  const notY = g.op('Sub', [one, y]);
  const notP = g.op('Sub', [one, pc]);
  const bce = g.op('Neg', [
    g.op('Add', [g.op('Mul', [y, g.op('Log', [pc])]), g.op('Mul', [notY, g.op('Log', [notP])])]),
  ]);
  const classWeight = g.op('Add', [
    g.op('Mul', [y, g.scalar(WBCE_POSITIVE_WEIGHT)]),
    g.op('Mul', [notY, g.scalar(1 - WBCE_POSITIVE_WEIGHT)]),
  ]);
  const ww = g.op('Mul', [w, classWeight]);
  const count = g.op('Max', [sumAll(w), one]);
  const loss = g.op('Div', [sumAll(g.op('Mul', [ww, bce])), count]);
  // tfjs' clipByValue passes the gradient only where lo ≤ p ≤ hi.
  const inside = g.op(
    'Cast',
    [g.op('And', [g.op('GreaterOrEqual', [p, lo]), g.op('LessOrEqual', [p, hi])])],
    [int('to', 1)],
  );
  const dBce = g.op('Add', [g.op('Neg', [g.op('Div', [y, pc])]), g.op('Div', [notY, notP])]);
  return { loss, dp: g.op('Div', [g.op('Mul', [g.op('Mul', [ww, dBce]), inside]), count]) };
}
