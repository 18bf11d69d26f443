import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

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
