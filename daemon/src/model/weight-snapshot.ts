import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** Plain copies of every weight (trainable and BatchNorm moving statistics), in `model.weights` order. */
export type WeightSnapshot = readonly Float32Array[];

/** Copies the weights off the backend so the "best epoch" can be kept without holding tensors. */
export function snapshotWeights(model: LayersModel): WeightSnapshot {
  return model.weights.map((w) => {
    const values = w.read().dataSync();
    return Float32Array.from(values as Float32Array);
  });
}

export function restoreWeights(model: LayersModel, snapshot: WeightSnapshot): void {
  const weights = model.weights;
  if (weights.length !== snapshot.length) {
    throw new Error(`weight snapshot has ${snapshot.length} arrays but the model has ${weights.length} weights`);
  }
  weights.forEach((w, i) => {
    const values = snapshot[i] as Float32Array;
    const t = tf.tensor(values, w.shape as number[], 'float32');
    w.write(t);
    t.dispose();
  });
}
