import * as tf from '@tensorflow/tfjs-core';
// Side effect: the tfjs-layers bundle registers the gradients of core ops (Sub, RealDiv, …); tfjs-core's node
// bundle ships without them, so tf.grad on these losses would fail in a process that never loaded layers.
import '@tensorflow/tfjs-layers';
import { BCE_EPSILON, DICE_SMOOTH, WBCE_POSITIVE_WEIGHT } from './loss-constants.js';

/**
 * Soft Dice loss over the whole batch, 1 − (2·Σ w·y·p + 1) / (Σ w·y + Σ w·p + 1), on [b, h, w, 1] tensors.
 * `weights` (same shape, 0/1 or float) drops unannotated pixels of partially annotated patches; without it every
 * pixel counts. Returns a scalar.
 */
export function softDiceLoss(yTrue: tf.Tensor, yPred: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const w = weights ?? tf.onesLike(yTrue);
    const intersection = tf.sum(tf.mul(w, tf.mul(yTrue, yPred)));
    const denominator = tf.add(tf.add(tf.sum(tf.mul(w, yTrue)), tf.sum(tf.mul(w, yPred))), DICE_SMOOTH);
    return tf.sub(1, tf.div(tf.add(tf.mul(2, intersection), DICE_SMOOTH), denominator)) as tf.Scalar;
  });
}

/**
 * Class-weighted binary cross-entropy, Σ w·(0.3·y + 0.7·(1−y))·BCE / max(Σ w, 1), with p clipped to [1e-7, 1−1e-7].
 * Dividing by the annotated-pixel count (not the class weights) keeps the loss scale independent of how much of a
 * patch was annotated; the max(·, 1) keeps an unannotated patch from dividing by zero.
 */
export function weightedBceLoss(yTrue: tf.Tensor, yPred: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const w = weights ?? tf.onesLike(yTrue);
    const p = tf.clipByValue(yPred, BCE_EPSILON, 1 - BCE_EPSILON);
    const bce = tf.neg(tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p)))));
    const classWeight = tf.add(tf.mul(WBCE_POSITIVE_WEIGHT, yTrue), tf.mul(1 - WBCE_POSITIVE_WEIGHT, tf.sub(1, yTrue)));
    const total = tf.sum(tf.mul(tf.mul(w, classWeight), bce));
    return tf.div(total, tf.maximum(tf.sum(w), 1)) as tf.Scalar;
  });
}

export type LossName = 'dice' | 'wbce';

export function lossFunction(name: LossName): (yTrue: tf.Tensor, yPred: tf.Tensor, weights?: tf.Tensor) => tf.Scalar {
  switch (name) {
    case 'dice':
      return softDiceLoss;
    case 'wbce':
      return weightedBceLoss;
    default:
      throw new Error(`Unknown loss '${String(name)}' (allowed: dice, wbce)`);
  }
}
