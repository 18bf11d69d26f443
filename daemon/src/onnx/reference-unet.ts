import * as tf from '@tensorflow/tfjs-core';
import {
  model as functionalModel,
  initializers,
  input,
  type LayersModel,
  layers,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import { McDropout } from '../model/layers/mc-dropout.js';

export interface ReferenceUnetOptions {
  inputSize: number;
  channels?: number;
  levels: number;
  baseFilters: number;
  dropoutRate?: number;
  /** 'mc' uses McDropout (drops at inference); 'keras' uses tf.layers.dropout (identity at inference). */
  dropout?: 'mc' | 'keras';
  /** Seeds the kernel initializers so the same options build the same weights. */
  seed?: number;
}

/**
 * The paper's U-Net graph, built independently of daemon/src/model/unet.ts so the exporter and its benchmark can be
 * checked against the same layer sequence: per level two 3×3 'same' convs, each followed by BatchNormalization then
 * ReLU; 2×2 max-pool then dropout going down; 2×2 stride-2 transposed conv, concat (skip, up) then dropout going up;
 * a final 1×1 sigmoid conv.
 */
export function buildReferenceUnet(options: ReferenceUnetOptions): LayersModel {
  const { inputSize, levels, baseFilters } = options;
  const channels = options.channels ?? 1;
  const rate = options.dropoutRate ?? 0.2;
  let seed = options.seed ?? 1;
  const kernelInitializer = () => initializers.heNormal({ seed: seed++ });
  const dropout = (x: SymbolicTensor) =>
    (options.dropout === 'keras' ? layers.dropout({ rate }) : new McDropout({ rate })).apply(x) as SymbolicTensor;
  const convBlock = (x: SymbolicTensor, filters: number) => {
    let y = x;
    for (let i = 0; i < 2; i++) {
      y = layers
        .conv2d({ filters, kernelSize: 3, padding: 'same', kernelInitializer: kernelInitializer() })
        .apply(y) as SymbolicTensor;
      y = layers.batchNormalization().apply(y) as SymbolicTensor;
      y = layers.activation({ activation: 'relu' }).apply(y) as SymbolicTensor;
    }
    return y;
  };

  const inputTensor = input({ shape: [inputSize, inputSize, channels] });
  const skips: SymbolicTensor[] = [];
  let x: SymbolicTensor = inputTensor;
  for (let level = 1; level < levels; level++) {
    x = convBlock(x, baseFilters * 2 ** (level - 1));
    skips.push(x);
    x = dropout(layers.maxPooling2d({ poolSize: 2 }).apply(x) as SymbolicTensor);
  }
  x = convBlock(x, baseFilters * 2 ** (levels - 1));
  for (let level = levels - 1; level >= 1; level--) {
    const filters = baseFilters * 2 ** (level - 1);
    const up = layers
      .conv2dTranspose({ filters, kernelSize: 2, strides: 2, padding: 'same', kernelInitializer: kernelInitializer() })
      .apply(x) as SymbolicTensor;
    const skip = skips[level - 1];
    if (skip === undefined) throw new Error(`missing skip for level ${level}`);
    x = dropout(layers.concatenate().apply([skip, up]) as SymbolicTensor);
    x = convBlock(x, filters);
  }
  const output = layers
    .conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', kernelInitializer: kernelInitializer() })
    .apply(x) as SymbolicTensor;
  return functionalModel({ inputs: inputTensor, outputs: output });
}

/**
 * Gives every BatchNormalization layer trained-looking statistics (mean ≠ 0, variance ≠ 1, γ ≠ 1, β ≠ 0) and every
 * conv bias a non-zero value, so tests exercise BatchNorm folding and bias handling rather than identities.
 */
export function randomizeNormalization(model: LayersModel, seed = 7): void {
  let next = seed;
  const uniform = (shape: number[], low: number, high: number) => tf.randomUniform(shape, low, high, 'float32', next++);
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className === 'BatchNormalization') {
      const values = layer.getWeights().map((weight, index) => {
        const name = layer.weights[index]?.originalName ?? '';
        if (name.endsWith('gamma')) return uniform(weight.shape, 0.5, 1.5);
        if (name.endsWith('beta')) return uniform(weight.shape, -0.3, 0.3);
        if (name.endsWith('moving_mean')) return uniform(weight.shape, -0.5, 0.5);
        return uniform(weight.shape, 0.5, 2);
      });
      layer.setWeights(values);
    } else if (className === 'Conv2D' || className === 'Conv2DTranspose') {
      const values = layer.getWeights().map((weight, index) => {
        const name = layer.weights[index]?.originalName ?? '';
        return name.endsWith('bias') ? uniform(weight.shape, -0.1, 0.1) : weight;
      });
      layer.setWeights(values);
    }
  }
}
