import { filtersAtLevel, type UnetConfig } from './unet-config.js';

/** Height, width, channels of one image's activation (NHWC without the batch axis). */
export type ActivationShape = readonly [height: number, width: number, channels: number];

/**
 * One trainable tensor of a layer, in the tfjs/Keras layout the model bundles store: conv kernel [k, k, Cin, Cout],
 * transposed-conv kernel [k, k, Cout, Cin], bias/gamma/beta [C].
 */
export interface WeightSpec {
  readonly weight: 'kernel' | 'bias' | 'gamma' | 'beta';
  readonly shape: readonly number[];
}

interface LayerBase {
  /** Stable name: saved weights, exports and dropout-mask streams refer to it. */
  readonly name: string;
  /** Names of the layers whose outputs this layer reads, in order. */
  readonly inputs: readonly string[];
  readonly shape: ActivationShape;
  readonly weights: readonly WeightSpec[];
}

export interface InputLayerSpec extends LayerBase {
  readonly kind: 'input';
}
/** Stride-1 'same' conv with bias; `activation` 'sigmoid' only on the head. */
export interface ConvLayerSpec extends LayerBase {
  readonly kind: 'conv';
  readonly kernel: number;
  readonly activation: 'linear' | 'sigmoid';
}
/** BatchNormalization over channels (tfjs-layers defaults: momentum 0.99, epsilon 1e-3). */
export interface BatchNormLayerSpec extends LayerBase {
  readonly kind: 'batchNorm';
}
export interface ReluLayerSpec extends LayerBase {
  readonly kind: 'relu';
}
/** 2×2 max-pool, stride 2. */
export interface MaxPoolLayerSpec extends LayerBase {
  readonly kind: 'maxPool';
}
/** Always-on (Monte-Carlo) inverted dropout; `index` counts dropout layers in forward order (seeds, mask streams). */
export interface DropoutLayerSpec extends LayerBase {
  readonly kind: 'dropout';
  readonly rate: number;
  readonly index: number;
}
/** 2×2 stride-2 transposed conv with bias. */
export interface ConvTransposeLayerSpec extends LayerBase {
  readonly kind: 'convTranspose';
}
/** Channel concatenation of `inputs` in order. */
export interface ConcatLayerSpec extends LayerBase {
  readonly kind: 'concat';
}

export type LayerSpec =
  | InputLayerSpec
  | ConvLayerSpec
  | BatchNormLayerSpec
  | ReluLayerSpec
  | MaxPoolLayerSpec
  | DropoutLayerSpec
  | ConvTransposeLayerSpec
  | ConcatLayerSpec;

export type LayerKind = LayerSpec['kind'];

/**
 * The paper's U-Net as plain data, in forward order: the one description that the tfjs model (`createUnet`), the
 * training graph (`buildTrainGraph`), its parameter list (`unetParamSpecs`) and the FLOP count ({@link
 * unetMultiplyAdds}) are built from. Per level two blocks of 3×3 conv → BatchNorm → ReLU; going down a 2×2 max-pool
 * then dropout; going up a 2×2 stride-2 transposed conv, concat (up, skip), dropout (unless `decoderDropout` is
 * false), two blocks; a 1×1 sigmoid head. The deepest level `enc{levels}` is the bottleneck. No tfjs here, so the
 * ONNX trainer, its worker thread and the benchmarks can read it without loading tfjs.
 */
export function unetSpec(config: UnetConfig): LayerSpec[] {
  const spec: LayerSpec[] = [];
  let dropouts = 0;
  const add = <L extends LayerSpec>(layer: L): L => {
    spec.push(layer);
    return layer;
  };
  const resized = (from: LayerSpec, factor: number, channels: number): ActivationShape => [
    from.shape[0] * factor,
    from.shape[1] * factor,
    channels,
  ];
  const conv = (name: string, from: LayerSpec, filters: number, kernel: number, activation: 'linear' | 'sigmoid') =>
    add({
      kind: 'conv',
      name,
      inputs: [from.name],
      shape: resized(from, 1, filters),
      kernel,
      activation,
      weights: [
        { weight: 'kernel', shape: [kernel, kernel, from.shape[2], filters] },
        { weight: 'bias', shape: [filters] },
      ],
    });
  const block = (prefix: string, from: LayerSpec, filters: number): LayerSpec => {
    let x = from;
    for (const i of [1, 2]) {
      x = conv(`${prefix}_conv${i}`, x, filters, 3, 'linear');
      x = add({
        kind: 'batchNorm',
        name: `${prefix}_bn${i}`,
        inputs: [x.name],
        shape: x.shape,
        weights: [
          { weight: 'gamma', shape: [filters] },
          { weight: 'beta', shape: [filters] },
        ],
      });
      x = add({ kind: 'relu', name: `${prefix}_relu${i}`, inputs: [x.name], shape: x.shape, weights: [] });
    }
    return x;
  };
  const dropout = (name: string, from: LayerSpec): LayerSpec =>
    add({
      kind: 'dropout',
      name,
      inputs: [from.name],
      shape: from.shape,
      rate: config.dropoutRate,
      index: dropouts++,
      weights: [],
    });

  let x: LayerSpec = add({
    kind: 'input',
    name: 'image',
    inputs: [],
    shape: [config.inputSize, config.inputSize, config.channels],
    weights: [],
  });
  const skips: LayerSpec[] = [];
  for (let level = 1; level <= config.levels; level++) {
    x = block(`enc${level}`, x, filtersAtLevel(config, level));
    if (level === config.levels) break;
    skips.push(x);
    x = add({
      kind: 'maxPool',
      name: `pool${level}`,
      inputs: [x.name],
      shape: [x.shape[0] / 2, x.shape[1] / 2, x.shape[2]],
      weights: [],
    });
    x = dropout(`drop_pool${level}`, x);
  }
  for (let level = config.levels - 1; level >= 1; level--) {
    const skip = skips[level - 1];
    if (skip === undefined) throw new Error(`unetSpec: missing skip connection for level ${level}`);
    const filters = filtersAtLevel(config, level);
    x = add({
      kind: 'convTranspose',
      name: `up${level}`,
      inputs: [x.name],
      shape: resized(x, 2, filters),
      weights: [
        { weight: 'kernel', shape: [2, 2, filters, x.shape[2]] },
        { weight: 'bias', shape: [filters] },
      ],
    });
    x = add({
      kind: 'concat',
      name: `concat${level}`,
      inputs: [x.name, skip.name],
      shape: [x.shape[0], x.shape[1], x.shape[2] + skip.shape[2]],
      weights: [],
    });
    if (config.decoderDropout) x = dropout(`drop_concat${level}`, x);
    x = block(`dec${level}`, x, filters);
  }
  conv('head', x, 1, 1, 'sigmoid');
  return spec;
}

/** The layer that `layer` reads as its `index`-th input. */
function inputOf(spec: readonly LayerSpec[], layer: LayerSpec, index = 0): LayerSpec {
  const name = layer.inputs[index];
  const found = spec.find((l) => l.name === name);
  if (found === undefined) throw new Error(`unet spec: ${layer.name} reads unknown layer '${String(name)}'`);
  return found;
}

/**
 * Multiply-adds of one forward pass of one image, for GFLOP/s reports (FLOPs ≈ 2 × this): every output value of a
 * conv sums k²·Cin products; every input value of a transposed conv spreads into k²·Cout outputs. Bias, BatchNorm,
 * ReLU, pooling and dropout are left out.
 */
export function unetMultiplyAdds(spec: readonly LayerSpec[]): number {
  let total = 0;
  for (const layer of spec) {
    const kernel = layer.weights.find((w) => w.weight === 'kernel');
    if (kernel === undefined) continue;
    const taps = (kernel.shape[0] as number) * (kernel.shape[1] as number);
    const [h, w, c] = layer.kind === 'convTranspose' ? inputOf(spec, layer).shape : layer.shape;
    const other = layer.kind === 'convTranspose' ? layer.shape[2] : inputOf(spec, layer).shape[2];
    total += h * w * c * taps * other;
  }
  return total;
}
