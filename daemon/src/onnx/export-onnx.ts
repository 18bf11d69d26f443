import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import {
  DROPOUT_MASKS_KEY,
  DROPOUT_SEED_KEY,
  type DropoutMaskSpec,
  SHARED_PREFIX_KEY,
  type SpatialStep,
  spatialSize,
} from './dropout-mask-spec.js';
import { type Dimension, float, int, ints, OnnxGraphBuilder, text } from './onnx-graph-builder.js';
import { type OnnxAttribute, OnnxDataType, type OnnxTensor } from './onnx-proto.js';
import { findLayerWeight, reorderKernel } from './tfjs-weight-layout.js';

export interface ExportOnnxOptions {
  /**
   * Export McDropout/Dropout layers as in-graph stochastic dropout (a fresh mask on every run), for Monte-Carlo
   * dropout. False leaves them out, giving the deterministic network. Default true.
   */
  mcDropout?: boolean;
  /**
   * Where the dropout masks come from. 'inputs' (default): each dropout layer gets a float32 mask input
   * ([batch, channels, height, width], values 0 or `keep`, described in the model's metadata) that the engine fills
   * from its seeded generator. 'graph': a self-contained model that draws its masks with RandomUniformLike, which
   * onnxruntime runs on one thread at ~6 ns per element (a quarter of a paper-model pass).
   */
  dropoutMasks?: 'inputs' | 'graph';
  /** Batch dimension of the input and output: symbolic ('dynamic', the default) or a fixed size. */
  batch?: 'dynamic' | number;
  /**
   * Height and width: 'model' (default) keeps the tfjs input shape; 'dynamic' makes them symbolic, so one session can
   * run a fully convolutional network on any size the pooling allows.
   */
  spatial?: 'model' | 'dynamic';
  opset?: 17;
  /**
   * Monte-Carlo export with mask inputs only: the input has batch 1 and the passes' batch comes from the masks, so the
   * layers before the first dropout (the first level's two convs, the costliest per filter) run once per patch and are
   * broadcast to every pass, instead of running once per pass on identical copies. The same numbers as feeding the
   * patch `n` times; only the work differs. Recorded in the metadata (`activeseg.sharedPrefix`) for the engine.
   */
  sharedPrefix?: boolean;
  /**
   * Seeds the dropout masks, so a fresh session repeats the same sequence of masks (simulations that must resume to
   * identical numbers). With mask inputs it is stored in the metadata for the engine; in-graph, each random op gets
   * `seed + its index`. Unset, every session draws different masks.
   */
  seed?: number;
}

type Layer = LayersModel['layers'][number];
type LayerNode = Layer['inboundNodes'][number];

/** Config values as tfjs-layers serializes them; narrowed with the readers below. */
type LayerConfig = Record<string, unknown>;

// tfjs-layers is channels-last; NHWC axis → NCHW axis.
const NHWC_TO_NCHW_AXIS = [0, 2, 3, 1] as const;

/**
 * Converts a tfjs-layers functional model (2-D conv nets such as the U-Net) to an ONNX model.
 *
 * The graph is NCHW inside: the NHWC input is transposed once at the start and each output once at the end, because
 * onnxruntime's fast CPU conv kernels (and its NCHWc layout pass) work on NCHW. BatchNormalization that directly
 * follows a linear conv whose output feeds nothing else is folded into that conv's weights.
 */
export function exportOnnx(model: LayersModel, options: ExportOnnxOptions = {}): Uint8Array {
  const opset = options.opset ?? 17;
  const mcDropout = options.mcDropout ?? true;
  const dropoutMasks = options.dropoutMasks ?? 'inputs';
  if (options.sharedPrefix && !(mcDropout && dropoutMasks === 'inputs')) {
    throw new Error("exportOnnx: sharedPrefix needs mcDropout with mask inputs (the masks carry the passes' batch)");
  }
  if (options.sharedPrefix && options.batch !== undefined && options.batch !== 'dynamic') {
    throw new Error('exportOnnx: sharedPrefix takes its batch from the masks; a fixed batch does not apply');
  }
  const converter = new TfjsGraphConverter({
    mcDropout,
    dropoutMasks,
    sharedPrefix: options.sharedPrefix ?? false,
    seed: options.seed,
    batch: options.batch ?? 'dynamic',
    spatial: options.spatial ?? 'model',
  });
  converter.build(model);
  return converter.g.encode(model.name, opset, [
    { key: 'activeseg.layout', value: 'NHWC' },
    { key: 'activeseg.mcDropout', value: String(converter.stochasticDropoutCount > 0) },
    { key: 'activeseg.dropoutLayers', value: String(converter.stochasticDropoutCount) },
    ...(options.sharedPrefix ? [{ key: SHARED_PREFIX_KEY, value: 'true' }] : []),
    ...(converter.maskSpecs.length === 0
      ? []
      : [
          { key: DROPOUT_MASKS_KEY, value: JSON.stringify(converter.maskSpecs) },
          ...(options.seed === undefined ? [] : [{ key: DROPOUT_SEED_KEY, value: String(options.seed) }]),
        ]),
  ]);
}

interface BuilderSettings {
  mcDropout: boolean;
  dropoutMasks: 'inputs' | 'graph';
  sharedPrefix: boolean;
  seed: number | undefined;
  batch: 'dynamic' | number;
  spatial: 'model' | 'dynamic';
}

/** A conv whose weights are still editable, so a following BatchNormalization can be folded into it. */
interface FoldableConv {
  /** ONNX weight layout: Conv [Cout, Cin, kH, kW]; ConvTranspose [Cin, Cout, kH, kW]. */
  kind: 'Conv' | 'ConvTranspose';
  weight: Float32Array;
  weightDims: number[];
  bias: Float32Array;
  output: string;
}

/** Walks a tfjs-layers graph and writes the equivalent NCHW ONNX graph into {@link OnnxGraphBuilder} `g`. */
class TfjsGraphConverter {
  readonly g = new OnnxGraphBuilder();
  stochasticDropoutCount = 0;
  readonly maskSpecs: DropoutMaskSpec[] = [];

  private readonly settings: BuilderSettings;
  /** SymbolicTensor.id → ONNX value name (NCHW). */
  private readonly values = new Map<number, string>();
  /** SymbolicTensor.id → how many layer inputs and model outputs read it. */
  private readonly consumers = new Map<number, number>();
  /** SymbolicTensor.id → class names of the layers that read it ('(output)' for a model output). */
  private readonly readers = new Map<number, string[]>();
  /** SymbolicTensor.id → factor its value still lacks; the convs reading it fold the factor into their weights. */
  private readonly inputScales = new Map<number, number>();
  /** SymbolicTensor.id → the linear conv that produced it, while its weights may still absorb a BatchNorm. */
  private readonly foldable = new Map<number, FoldableConv>();
  /** SymbolicTensor.id → the size-changing ops between the model input and it (mask inputs are sized from these). */
  private readonly steps = new Map<number, SpatialStep[]>();
  /** The model input's static height and width, to check the recorded steps against tfjs' shapes. */
  private inputSize: [number, number] | undefined;
  private readonly usedNames = new Set<string>();
  /** sharedPrefix: ONNX values that still have batch 1 (computed once per patch, not per pass). */
  private readonly single = new Set<string>();
  /** sharedPrefix: mixed-batch concats left for the dropout that reads them (see `emitConcat`). */
  private readonly pendingConcats = new Map<number, { inputs: SymbolicTensor[]; names: string[]; layerName: string }>();
  /** sharedPrefix: the first mask input, whose batch is the passes' batch. */
  private firstMask: string | undefined;
  /** sharedPrefix: [passes, 1, 1, 1], built once, to broadcast a batch-1 value to every pass. */
  private passesShape: string | undefined;
  // Weight buffers are encoded only at the end, so folding can still rewrite them in place.
  private readonly pendingWeights: { tensor: OnnxTensor; data: Float32Array }[] = [];

  constructor(settings: BuilderSettings) {
    this.settings = settings;
  }

  build(model: LayersModel): void {
    const order = this.topologicalNodes(model);
    for (const output of model.outputs) this.countUse(output, '(output)');
    for (const node of order) this.emitNode(node);

    model.outputs.forEach((output, index) => {
      const source = this.valueOf(output);
      const name = this.uniqueName(model.outputNames[index] ?? `output_${index}`);
      this.g.node('Transpose', [source], [name], [ints('perm', [0, 2, 3, 1])]);
      this.g.output(name, name, this.dimsOf(output));
    });
    for (const { tensor, data } of this.pendingWeights) {
      tensor.rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    }
  }

  /** Nodes reachable from the outputs, inputs before users; also counts how often each tensor is read. */
  private topologicalNodes(model: LayersModel): LayerNode[] {
    const order: LayerNode[] = [];
    const visited = new Set<LayerNode>();
    const visit = (tensor: SymbolicTensor): void => {
      const node = producerNode(tensor);
      if (visited.has(node)) return;
      visited.add(node);
      for (const input of node.inputTensors) {
        this.countUse(input, node.outboundLayer.getClassName());
        visit(input);
      }
      order.push(node);
    };
    for (const output of model.outputs) visit(output);
    return order;
  }

  private countUse(tensor: SymbolicTensor, reader: string): void {
    this.consumers.set(tensor.id, (this.consumers.get(tensor.id) ?? 0) + 1);
    this.readers.set(tensor.id, [...(this.readers.get(tensor.id) ?? []), reader]);
  }

  private onlyConvsRead(tensor: SymbolicTensor): boolean {
    const readers = this.readers.get(tensor.id) ?? [];
    return readers.length > 0 && readers.every((reader) => reader === 'Conv2D' || reader === 'Conv2DTranspose');
  }

  private emitNode(node: LayerNode): void {
    const layer = node.outboundLayer;
    const className = layer.getClassName();
    const config = layer.getConfig() as LayerConfig;
    const outputs = node.outputTensors;
    const output = outputs[0];
    if (output === undefined || outputs.length !== 1) {
      throw unsupported(layer, `expected one output tensor, got ${outputs.length}`);
    }
    if (output.shape.length !== 4) {
      throw unsupported(layer, `only rank-4 (NHWC) tensors are supported, got shape [${output.shape.join(', ')}]`);
    }
    const inputs = node.inputTensors;
    const input = inputs[0];
    if (className !== 'InputLayer' && input === undefined) throw unsupported(layer, 'has no input');
    const step = sizeStep(layer, className, config);
    const inherited = input === undefined ? [] : (this.steps.get(input.id) ?? []);
    this.steps.set(output.id, step === undefined ? inherited : [...inherited, step]);

    // A layer whose inputs all have batch 1 (sharedPrefix) gives batch 1 too, except a stochastic dropout, whose
    // masks broadcast it to the passes' batch.
    const allSingle =
      className !== 'InputLayer' &&
      inputs.length > 0 &&
      inputs.every((tensor) => this.single.has(this.values.get(tensor.id) ?? ''));
    const before = this.stochasticDropoutCount;
    this.emitLayer(node, className, config, inputs, output);
    if (allSingle && this.stochasticDropoutCount === before) this.single.add(this.valueOf(output));
  }

  private emitLayer(
    node: LayerNode,
    className: string,
    config: LayerConfig,
    inputs: SymbolicTensor[],
    output: SymbolicTensor,
  ): void {
    const layer = node.outboundLayer;
    const input = inputs[0];
    switch (className) {
      case 'InputLayer':
        this.emitInput(layer, output);
        return;
      case 'Conv2D':
      case 'Conv2DTranspose':
        this.emitConv(layer, config, input!, output);
        return;
      case 'BatchNormalization':
        this.emitBatchNorm(layer, config, input!, output);
        return;
      case 'Activation':
        this.values.set(output.id, this.emitActivation(layer, readString(config, 'activation'), this.valueOf(input!)));
        return;
      case 'ReLU':
        this.emitRelu(layer, config, input!, output);
        return;
      case 'MaxPooling2D':
        this.emitMaxPool(layer, config, input!, output);
        return;
      case 'Concatenate':
        this.emitConcat(layer, config, inputs, output);
        return;
      case 'Add':
        this.emitSimple(layer, 'Add', inputs, output);
        return;
      case 'Dropout':
      case 'McDropout':
        this.emitDropout(layer, config, input!, output);
        return;
      default:
        throw unsupported(layer, 'no ONNX mapping for this layer class');
    }
  }

  private emitInput(layer: Layer, output: SymbolicTensor): void {
    const [, height, width] = output.shape;
    if (typeof height === 'number' && typeof width === 'number') this.inputSize = [height, width];
    const name = this.uniqueName(layer.name);
    const dims = this.dimsOf(output);
    this.g.input(name, this.settings.sharedPrefix ? [1, ...dims.slice(1)] : dims);
    const nchw = this.uniqueName(`${layer.name}_nchw`);
    this.g.node('Transpose', [name], [nchw], [ints('perm', [0, 3, 1, 2])]);
    this.values.set(output.id, nchw);
    if (this.settings.sharedPrefix) this.single.add(nchw);
  }

  private emitConv(layer: Layer, config: LayerConfig, input: SymbolicTensor, output: SymbolicTensor): void {
    const transposed = layer.getClassName() === 'Conv2DTranspose';
    requireChannelsLast(layer, config);
    const [kH, kW] = readPair(config, 'kernelSize', layer);
    const [sH, sW] = readPair(config, 'strides', layer);
    const [dH, dW] = config.dilationRate === undefined ? [1, 1] : readPair(config, 'dilationRate', layer);
    const padding = readString(config, 'padding');
    if (padding !== 'same' && padding !== 'valid') throw unsupported(layer, `padding '${padding}'`);
    if (transposed && (dH !== 1 || dW !== 1)) throw unsupported(layer, 'dilated transposed convolution');

    const kernel = layerWeight(layer, 'kernel');
    const kernelShape = kernel.shape;
    // tfjs kernels: Conv2D [kH, kW, Cin, Cout]; Conv2DTranspose [kH, kW, Cout, Cin].
    const cIn = transposed ? kernelShape[3]! : kernelShape[2]!;
    const cOut = transposed ? kernelShape[2]! : kernelShape[3]!;
    const weight = transposed
      ? reorderKernel(kernel.data, { kH, kW, c2: cOut, c3: cIn })
      : reorderKernel(kernel.data, { kH, kW, c2: cIn, c3: cOut });
    const weightDims = transposed ? [cIn, cOut, kH, kW] : [cOut, cIn, kH, kW];
    const bias = hasWeight(layer, 'bias') ? layerWeight(layer, 'bias').data : new Float32Array(cOut);
    const inputScale = this.inputScales.get(input.id);
    if (inputScale !== undefined) {
      for (let i = 0; i < weight.length; i++) weight[i] = weight[i]! * inputScale;
    }

    const attributes: OnnxAttribute[] = [
      ints('kernel_shape', [kH, kW]),
      ints('strides', [sH, sW]),
      ints('dilations', [dH, dW]),
    ];
    if (transposed) {
      // TF crops max(k − s, 0) from the full transposed output, the smaller half at the start (as its forward
      // 'same' conv pads); 'valid' crops nothing. output_padding then restores TF's output size when k < s.
      const cropH = padding === 'same' ? Math.max(kH - sH, 0) : 0;
      const cropW = padding === 'same' ? Math.max(kW - sW, 0) : 0;
      attributes.push(ints('pads', [cropH >> 1, cropW >> 1, cropH - (cropH >> 1), cropW - (cropW >> 1)]));
      attributes.push(ints('output_padding', [Math.max(sH - kH, 0), Math.max(sW - kW, 0)]));
    } else {
      attributes.push(...convPadding(padding, [kH, kW], [sH, sW], [dH, dW]));
    }

    const weightName = this.addWeight(`${layer.name}_W`, weight, weightDims);
    const biasName = this.addWeight(`${layer.name}_B`, bias, [cOut]);
    const convOut = this.uniqueName(`${layer.name}_conv`);
    this.g.node(
      transposed ? 'ConvTranspose' : 'Conv',
      [this.valueOf(input), weightName, biasName],
      [convOut],
      attributes,
    );

    const activation = typeof config.activation === 'string' ? config.activation : 'linear';
    if (activation === 'linear') {
      this.foldable.set(output.id, {
        kind: transposed ? 'ConvTranspose' : 'Conv',
        weight,
        weightDims,
        bias,
        output: convOut,
      });
    }
    this.values.set(output.id, this.emitActivation(layer, activation, convOut));
  }

  private emitBatchNorm(layer: Layer, config: LayerConfig, input: SymbolicTensor, output: SymbolicTensor): void {
    const axis = typeof config.axis === 'number' ? config.axis : -1;
    if (axis !== -1 && axis !== 3)
      throw unsupported(layer, `normalizes axis ${axis}; only the channel axis is supported`);
    const mean = layerWeight(layer, 'moving_mean').data;
    const variance = layerWeight(layer, 'moving_variance').data;
    const channels = mean.length;
    const gamma = hasWeight(layer, 'gamma') ? layerWeight(layer, 'gamma').data : new Float32Array(channels).fill(1);
    const beta = hasWeight(layer, 'beta') ? layerWeight(layer, 'beta').data : new Float32Array(channels);
    const epsilon = typeof config.epsilon === 'number' ? config.epsilon : 1e-3;

    const conv = this.foldable.get(input.id);
    if (conv !== undefined && this.consumers.get(input.id) === 1) {
      // y = γ·(conv(x) + b − μ)/√(σ²+ε) + β: scale each output channel's weights and rewrite the bias.
      foldBatchNorm(conv, { mean, variance, gamma, beta, epsilon });
      this.foldable.delete(input.id);
      this.foldable.set(output.id, conv);
      this.values.set(output.id, conv.output);
      return;
    }
    const names = [
      this.addWeight(`${layer.name}_gamma`, gamma, [channels]),
      this.addWeight(`${layer.name}_beta`, beta, [channels]),
      this.addWeight(`${layer.name}_mean`, mean, [channels]),
      this.addWeight(`${layer.name}_var`, variance, [channels]),
    ];
    const out = this.uniqueName(layer.name);
    this.g.node('BatchNormalization', [this.valueOf(input), ...names], [out], [float('epsilon', epsilon)]);
    this.values.set(output.id, out);
  }

  private emitRelu(layer: Layer, config: LayerConfig, input: SymbolicTensor, output: SymbolicTensor): void {
    const maxValue = config.maxValue;
    const negativeSlope = config.negativeSlope;
    const threshold = config.threshold;
    if (
      (typeof negativeSlope === 'number' && negativeSlope !== 0) ||
      (typeof threshold === 'number' && threshold !== 0)
    ) {
      throw unsupported(layer, 'ReLU with negativeSlope or threshold');
    }
    if (typeof maxValue === 'number') {
      const min = this.addWeight(`${layer.name}_min`, new Float32Array([0]), []);
      const max = this.addWeight(`${layer.name}_max`, new Float32Array([maxValue]), []);
      const out = this.uniqueName(layer.name);
      this.g.node('Clip', [this.valueOf(input), min, max], [out]);
      this.values.set(output.id, out);
      return;
    }
    this.values.set(output.id, this.emitActivation(layer, 'relu', this.valueOf(input)));
  }

  private emitMaxPool(layer: Layer, config: LayerConfig, input: SymbolicTensor, output: SymbolicTensor): void {
    requireChannelsLast(layer, config);
    const pool = readPair(config, 'poolSize', layer);
    const strides = config.strides === null || config.strides === undefined ? pool : readPair(config, 'strides', layer);
    const padding = readString(config, 'padding');
    if (padding !== 'same' && padding !== 'valid') throw unsupported(layer, `padding '${padding}'`);
    const out = this.uniqueName(layer.name);
    this.g.node(
      'MaxPool',
      [this.valueOf(input)],
      [out],
      [ints('kernel_shape', pool), ints('strides', strides), ...convPadding(padding, pool, strides, [1, 1])],
    );
    this.values.set(output.id, out);
  }

  private emitConcat(layer: Layer, config: LayerConfig, inputs: SymbolicTensor[], output: SymbolicTensor): void {
    const rawAxis = typeof config.axis === 'number' ? config.axis : -1;
    const axis = NHWC_TO_NCHW_AXIS[rawAxis < 0 ? rawAxis + 4 : rawAxis];
    if (axis === undefined) throw unsupported(layer, `concat axis ${rawAxis}`);
    const names = inputs.map((tensor) => this.valueOf(tensor));
    const readers = this.readers.get(output.id) ?? [];
    if (
      this.mixedBatch(names) &&
      axis === 1 &&
      readers.length === 1 &&
      (readers[0] === 'Dropout' || readers[0] === 'McDropout')
    ) {
      // A U-Net decoder concat of a batch-1 skip and the batched upsampling, read only by a dropout: left for that
      // dropout to emit, which masks each part on its own (a broadcasting Mul) instead of copying the skip to every
      // pass first (onnxruntime's Expand ran at under 1 GB/s here, slower than the convs it saved).
      this.pendingConcats.set(output.id, { inputs, names, layerName: layer.name });
      return;
    }
    this.emitConcatNode(output, layer.name, names, axis);
  }

  /** The Concat node of `names` along `axis`, as the value of `output` (a batch-1 part broadcast first). */
  private emitConcatNode(output: SymbolicTensor, layerName: string, names: string[], axis: number): void {
    const out = this.uniqueName(layerName);
    this.g.node('Concat', this.batchAligned(names), [out], [int('axis', axis)]);
    this.values.set(output.id, out);
  }

  private emitSimple(layer: Layer, opType: string, inputs: SymbolicTensor[], output: SymbolicTensor): void {
    const out = this.uniqueName(layer.name);
    this.g.node(opType, this.batchAligned(inputs.map((tensor) => this.valueOf(tensor))), [out]);
    this.values.set(output.id, out);
  }

  /**
   * The inputs' values, a batch-1 one (sharedPrefix) broadcast to the passes' batch when another input already has
   * it: Concat does not broadcast. A skip connection from the first level is the case in a U-Net.
   */
  private batchAligned(names: string[]): string[] {
    if (!this.mixedBatch(names)) return names;
    return names.map((name) => (this.single.has(name) ? this.g.op('Expand', [name, this.passesShapeValue()]) : name));
  }

  /** Whether some of these values have batch 1 (sharedPrefix) and others the passes' batch. */
  private mixedBatch(names: string[]): boolean {
    return names.some((name) => this.single.has(name)) && names.some((name) => !this.single.has(name));
  }

  private passesShapeValue(): string {
    if (this.passesShape !== undefined) return this.passesShape;
    if (this.firstMask === undefined)
      throw new Error('exportOnnx: a batch-1 value meets a batched one before any mask');
    const shape = this.g.op('Shape', [this.firstMask]);
    const batch = this.g.op('Slice', [shape, this.g.int64([0]), this.g.int64([1])]);
    this.passesShape = this.g.op('Concat', [batch, this.g.int64([1, 1, 1])], [int('axis', 0)]);
    return this.passesShape;
  }

  private emitDropout(layer: Layer, config: LayerConfig, input: SymbolicTensor, output: SymbolicTensor): void {
    const rate = typeof config.rate === 'number' ? config.rate : 0;
    if (Array.isArray(config.noiseShape)) throw unsupported(layer, 'dropout with noiseShape');
    const pending = this.pendingConcats.get(input.id);
    if (pending !== undefined && (!this.settings.mcDropout || rate === 0)) {
      // Deterministic after all: the concat as it would have been emitted.
      this.emitConcatNode(input, pending.layerName, pending.names, 1);
    }
    if (!this.settings.mcDropout || rate === 0) {
      this.values.set(output.id, this.valueOf(input));
      return;
    }
    const base = this.uniqueName(layer.name);
    const scale = 1 / (1 - rate);
    // Convs are linear in their input, so the 1/(1 − rate) rescale goes into their weights: one pass fewer.
    const foldScale = this.onlyConvsRead(output);
    if (foldScale) this.inputScales.set(output.id, scale);
    if (pending !== undefined) {
      // One mask per part of the concat, in its order: the same i.i.d. mask over the concat's channels, split.
      const parts = pending.inputs.map((part, i) => {
        const channels = part.shape[3];
        if (typeof channels !== 'number') throw unsupported(layer, 'dropout input needs a fixed channel count');
        const mask = this.addMaskInput(layer, `${base}_part${i}`, rate, foldScale ? 1 : scale, output, channels);
        return this.g.op('Mul', [pending.names[i]!, mask]);
      });
      this.g.node('Concat', parts, [base], [int('axis', 1)]);
    } else if (this.settings.dropoutMasks === 'inputs') {
      const source = this.valueOf(input);
      const mask = this.addMaskInput(layer, base, rate, foldScale ? 1 : scale, output);
      this.g.node('Mul', [source, mask], [base]);
    } else {
      this.emitRandomMask(layer, this.valueOf(input), base, rate, foldScale ? undefined : scale);
    }
    this.values.set(output.id, base);
    this.stochasticDropoutCount++;
  }

  /** Declares the mask input of one dropout layer and records how the engine must size and fill it. */
  private addMaskInput(
    layer: Layer,
    base: string,
    rate: number,
    keep: number,
    output: SymbolicTensor,
    channelCount?: number,
  ): string {
    const [, height, width, outputChannels] = output.shape;
    const channels = channelCount ?? outputChannels;
    if (typeof channels !== 'number') throw unsupported(layer, 'dropout input needs a fixed channel count');
    const steps = this.steps.get(output.id) ?? [];
    if (this.inputSize !== undefined && typeof height === 'number' && typeof width === 'number') {
      const [h, w] = spatialSize(steps, ...this.inputSize);
      if (h !== height || w !== width) {
        throw unsupported(layer, `size bookkeeping gives ${h}×${w}, tfjs says ${height}×${width}`);
      }
    }
    const name = this.uniqueName(`${base}_mask`);
    const { batch, spatial } = this.settings;
    const fixed = spatial === 'model' && typeof height === 'number' && typeof width === 'number';
    this.g.input(name, [
      batch === 'dynamic' ? 'batch' : batch,
      channels,
      fixed ? height : `${name}_height`,
      fixed ? width : `${name}_width`,
    ]);
    this.maskSpecs.push({ input: name, rate, keep, channels, steps });
    this.firstMask ??= name;
    return name;
  }

  /**
   * In-graph mask. An exported ONNX Dropout node stays deterministic in onnxruntime-node (checked with 1.30), so the
   * inverted dropout is built from a random op, which onnxruntime re-draws on every run. v ~ U(−rate, 1 − rate) makes
   * ceil(v) a {0, 1} keep mask with P(1) = 1 − rate in one op, where U(0,1) ≥ rate would need a compare and a cast.
   */
  private emitRandomMask(layer: Layer, source: string, base: string, rate: number, scale: number | undefined): void {
    const uniform = `${base}_uniform`;
    const keep = `${base}_keep`;
    this.g.node(
      'RandomUniformLike',
      [source],
      [uniform],
      [
        int('dtype', OnnxDataType.FLOAT),
        float('low', -rate),
        float('high', 1 - rate),
        ...(this.settings.seed === undefined ? [] : [float('seed', this.settings.seed + this.stochasticDropoutCount)]),
      ],
    );
    this.g.node('Ceil', [uniform], [keep]);
    if (scale === undefined) {
      this.g.node('Mul', [source, keep], [base]);
      return;
    }
    const masked = `${base}_masked`;
    const scaleName = this.addWeight(`${layer.name}_scale`, new Float32Array([scale]), []);
    this.g.node('Mul', [source, keep], [masked]);
    this.g.node('Mul', [masked, scaleName], [base]);
  }

  /** Emits the activation after `source` and returns the value holding its result. */
  private emitActivation(layer: Layer, activation: string, source: string): string {
    const opType = ACTIVATION_OPS[activation];
    if (activation === 'linear') return source;
    if (opType === undefined) throw unsupported(layer, `activation '${activation}'`);
    const out = this.uniqueName(`${layer.name}_${activation}`);
    // NCHW: channels are axis 1, where Keras' softmax (last axis) now lives.
    this.g.node(opType, [source], [out], activation === 'softmax' ? [int('axis', 1)] : []);
    return out;
  }

  private valueOf(tensor: SymbolicTensor): string {
    const name = this.values.get(tensor.id);
    if (name === undefined) throw new Error(`exportOnnx: tensor '${tensor.name}' used before it was produced`);
    return name;
  }

  /** NHWC dims of a model input or output as the settings declare them. */
  private dimsOf(tensor: SymbolicTensor): Dimension[] {
    const [, height, width, channels] = tensor.shape;
    const { batch, spatial } = this.settings;
    return [
      batch === 'dynamic' ? 'batch' : batch,
      spatial === 'model' && typeof height === 'number' ? height : 'height',
      spatial === 'model' && typeof width === 'number' ? width : 'width',
      typeof channels === 'number' ? channels : 'channels',
    ];
  }

  private addWeight(name: string, data: Float32Array, dims: number[]): string {
    const unique = this.uniqueName(name);
    const tensor = this.g.initializer({ name: unique, dims, dataType: OnnxDataType.FLOAT });
    this.pendingWeights.push({ tensor, data });
    return unique;
  }

  private uniqueName(wanted: string): string {
    let name = wanted;
    for (let suffix = 1; this.usedNames.has(name); suffix++) name = `${wanted}_${suffix}`;
    this.usedNames.add(name);
    return name;
  }
}

const ACTIVATION_OPS: Record<string, string | undefined> = {
  relu: 'Relu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  softmax: 'Softmax',
  elu: 'Elu',
  selu: 'Selu',
  softplus: 'Softplus',
  softsign: 'Softsign',
};

function producerNode(tensor: SymbolicTensor): LayerNode {
  const node = tensor.sourceLayer.inboundNodes[tensor.nodeIndex];
  if (node === undefined) throw new Error(`exportOnnx: tensor '${tensor.name}' has no producing node`);
  return node;
}

/** The size change a layer makes, or undefined for layers that keep height and width. */
function sizeStep(layer: Layer, className: string, config: LayerConfig): SpatialStep | undefined {
  if (className !== 'Conv2D' && className !== 'Conv2DTranspose' && className !== 'MaxPooling2D') return undefined;
  const padding = readString(config, 'padding');
  if (padding !== 'same' && padding !== 'valid') throw unsupported(layer, `padding '${padding}'`);
  if (className === 'MaxPooling2D') {
    const pool = readPair(config, 'poolSize', layer);
    const stride = config.strides === null || config.strides === undefined ? pool : readPair(config, 'strides', layer);
    return { op: 'down', kernel: pool, stride, dilation: [1, 1], padding };
  }
  const kernel = readPair(config, 'kernelSize', layer);
  const stride = readPair(config, 'strides', layer);
  const dilation =
    config.dilationRate === undefined ? ([1, 1] as [number, number]) : readPair(config, 'dilationRate', layer);
  if (className === 'Conv2DTranspose') return { op: 'up', kernel, stride, dilation, padding };
  if (padding === 'same' && stride[0] === 1 && stride[1] === 1) return undefined;
  return { op: 'down', kernel, stride, dilation, padding };
}

function unsupported(layer: Layer, reason: string): Error {
  return new Error(`exportOnnx: unsupported layer ${layer.getClassName()} '${layer.name}': ${reason}`);
}

function requireChannelsLast(layer: Layer, config: LayerConfig): void {
  if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') {
    throw unsupported(layer, `dataFormat '${String(config.dataFormat)}'; only channelsLast is supported`);
  }
}

function readString(config: LayerConfig, key: string): string {
  const value = config[key];
  if (typeof value !== 'string') throw new Error(`exportOnnx: expected config.${key} to be a string`);
  return value;
}

function readPair(config: LayerConfig, key: string, layer: Layer): [number, number] {
  const value = config[key];
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) {
    return [value[0] as number, value[1] as number];
  }
  throw unsupported(layer, `config.${key} is not a number or pair`);
}

/** TF 'same' pads max((⌈n/s⌉−1)·s + k_eff − n, 0) with the smaller half first, which is ONNX SAME_UPPER. */
function convPadding(
  padding: 'same' | 'valid',
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
): OnnxAttribute[] {
  if (padding === 'valid') return [ints('pads', [0, 0, 0, 0])];
  if (strides.every((s) => s === 1)) {
    // Stride 1: the padding does not depend on the input size, so explicit pads keep the graph static.
    const totals = kernel.map((k, i) => (k - 1) * (dilations[i] ?? 1));
    const begins = totals.map((t) => t >> 1);
    return [ints('pads', [...begins, ...totals.map((t, i) => t - begins[i]!)])];
  }
  return [text('auto_pad', 'SAME_UPPER')];
}

interface WeightValue {
  shape: number[];
  data: Float32Array;
}

function hasWeight(layer: Layer, suffix: string): boolean {
  return findLayerWeight(layer, suffix) !== undefined;
}

function layerWeight(layer: Layer, suffix: string): WeightValue {
  const variable = findLayerWeight(layer, suffix);
  if (variable === undefined) throw unsupported(layer, `missing weight '${suffix}'`);
  const tensor = variable.read();
  // Copy: the exporter rewrites weights in place when folding BatchNorm and must not touch the live model.
  return { shape: [...tensor.shape], data: Float32Array.from(tensor.dataSync() as Float32Array) };
}

interface BatchNormStats {
  mean: Float32Array;
  variance: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  epsilon: number;
}

function foldBatchNorm(conv: FoldableConv, stats: BatchNormStats): void {
  const { weight, weightDims, bias } = conv;
  const [d0, d1, kH, kW] = weightDims as [number, number, number, number];
  const cOut = conv.kind === 'Conv' ? d0 : d1;
  if (stats.mean.length !== cOut) {
    throw new Error(`exportOnnx: BatchNorm has ${stats.mean.length} channels, conv has ${cOut}`);
  }
  const scale = new Float64Array(cOut);
  for (let c = 0; c < cOut; c++) {
    scale[c] = stats.gamma[c]! / Math.sqrt(stats.variance[c]! + stats.epsilon);
    bias[c] = (bias[c]! - stats.mean[c]!) * scale[c]! + stats.beta[c]!;
  }
  const plane = kH * kW;
  for (let i = 0; i < d0; i++) {
    for (let j = 0; j < d1; j++) {
      const s = scale[conv.kind === 'Conv' ? i : j]!;
      const base = (i * d1 + j) * plane;
      for (let p = 0; p < plane; p++) weight[base + p] = weight[base + p]! * s;
    }
  }
}
