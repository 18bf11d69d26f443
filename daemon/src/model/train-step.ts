import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { type LossName, lossFunction } from './losses.js';

export interface TrainStepOptions {
  /** batch·size·size normalized pixels, NHWC with one channel. */
  images: Float32Array;
  /** batch·size·size targets in {0, 1}. */
  masks: Float32Array;
  /** Per-pixel loss weights (0 = unannotated); all ones when left out. */
  weights?: Float32Array;
  batch: number;
  size: number;
  loss: LossName;
}

function checkLength(name: string, array: Float32Array, expected: number): void {
  if (array.length !== expected) throw new Error(`trainStep: ${name} has ${array.length} floats, expected ${expected}`);
}

/**
 * One optimizer step on one batch; returns the batch loss before the update.
 *
 * The model runs with `training: true`: tfjs-layers passes that kwarg through `LayersModel.apply` to every layer, and
 * BatchNormalization then normalizes with batch moments and writes its moving mean/variance (momentum 0.99) as a side
 * effect of the forward pass, also inside `optimizer.minimize`. McDropout drops either way.
 * Only the model's trainable variables are optimized: without an explicit list, `minimize` would take every trainable
 * variable alive in the engine, including other models' weights.
 */
export function trainStep(model: LayersModel, optimizer: tf.Optimizer, options: TrainStepOptions): number {
  const { batch, size } = options;
  const n = batch * size * size;
  checkLength('images', options.images, n);
  checkLength('masks', options.masks, n);
  if (options.weights) checkLength('weights', options.weights, n);
  const loss = lossFunction(options.loss);
  const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const shape: [number, number, number, number] = [batch, size, size, 1];
  const x = tf.tensor4d(options.images, shape);
  const y = tf.tensor4d(options.masks, shape);
  const w = options.weights ? tf.tensor4d(options.weights, shape) : undefined;
  try {
    // minimize tidies the forward/backward intermediates itself; only the returned cost is ours to dispose.
    const cost = optimizer.minimize(
      () => {
        const p = model.apply(x, { training: true });
        if (Array.isArray(p)) throw new Error('trainStep: expected a single-output model');
        // Concrete input in, concrete tensor out: apply only returns SymbolicTensors for symbolic inputs.
        return loss(y, p as tf.Tensor, w);
      },
      true,
      varList,
    );
    if (cost === null) throw new Error('trainStep: optimizer returned no loss');
    const value = cost.dataSync()[0] ?? Number.NaN;
    cost.dispose();
    return value;
  } finally {
    tf.dispose([x, y, ...(w ? [w] : [])]);
  }
}
