import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { McDropout, withMcDropoutSettings } from './layers/mc-dropout.js';

/** Tensor-free face of a trained U-Net: typed arrays in, typed arrays out, so no tensor leaves `model/`. */
export interface Segmenter {
  readonly inputSize: number;
  predictProbabilities(images: Float32Array, options?: Omit<PredictProbabilitiesOptions, 'size'>): Float32Array;
  mcPredict(patch: Float32Array, options?: McPredictOptions): McPredictResult;
  /** Frees the model's weights. */
  dispose(): void;
}

export interface PredictProbabilitiesOptions {
  /** Side of the square images; must equal the model's input size. */
  size: number;
  /** Images per forward pass (memory vs. speed). */
  batchSize?: number;
}

export interface McPredictOptions {
  /** Forward passes with dropout on; the paper uses 50. */
  passes?: number;
  /** Passes run together as one batch of copies of the patch. */
  batchSize?: number;
  /** Makes the dropout masks, hence mean and std, repeat exactly. */
  seed?: number;
  /** Also return every pass's probabilities (passes·h·w floats). */
  keepSamples?: boolean;
}

export interface McPredictResult {
  mean: Float32Array;
  /** Population standard deviation over the passes, per pixel. */
  std: Float32Array;
  probs?: Float32Array;
}

/** Input side and channel count read from the model, so callers cannot feed a mismatched patch. */
function inputGeometry(model: LayersModel): { size: number; channels: number } {
  const shape = model.inputs[0]?.shape;
  const [, h, w, c] = shape ?? [];
  if (typeof h !== 'number' || h !== w || typeof c !== 'number') {
    throw new Error(`segmenter: model input must be [batch, s, s, c], got ${JSON.stringify(shape)}`);
  }
  if (c !== 1) throw new Error(`segmenter: only single-channel models are supported, model has ${c} channels`);
  return { size: h, channels: c };
}

function forward(model: LayersModel, x: tf.Tensor4D): Float32Array {
  const y = model.predict(x, { batchSize: x.shape[0] });
  if (Array.isArray(y)) throw new Error('segmenter: expected a single-output model');
  return y.dataSync() as Float32Array;
}

/**
 * Deterministic probabilities for `n` images packed as n·size·size floats (already normalized). McDropout is
 * switched off for the duration, and BatchNorm uses its moving statistics, so batch size does not change the result.
 */
export function predictProbabilities(
  model: LayersModel,
  images: Float32Array,
  { size, batchSize = 4 }: PredictProbabilitiesOptions,
): Float32Array {
  const geometry = inputGeometry(model);
  if (size !== geometry.size) throw new Error(`predictProbabilities: size ${size} ≠ model input size ${geometry.size}`);
  const pixels = size * size;
  if (images.length % pixels !== 0) {
    throw new Error(`predictProbabilities: ${images.length} floats is not a whole number of ${size}×${size} images`);
  }
  const n = images.length / pixels;
  const out = new Float32Array(images.length);
  withMcDropoutSettings({ enabled: false }, () => {
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const slice = images.subarray(start * pixels, (start + b) * pixels);
      out.set(
        tf.tidy(() => forward(model, tf.tensor4d(slice, [b, size, size, 1]))),
        start * pixels,
      );
    }
  });
  return out;
}

/**
 * Monte-Carlo dropout: `passes` forward passes of one normalized h·w patch with McDropout on and BatchNorm in
 * inference mode (never `training: true`, which would move BatchNorm's statistics). Passes run in batches of copies
 * of the patch; sums are accumulated in float64 so the variance does not suffer float32 cancellation.
 */
export function mcPredict(
  model: LayersModel,
  patch: Float32Array,
  { passes = 50, batchSize = 10, seed, keepSamples = false }: McPredictOptions = {},
): McPredictResult {
  const { size } = inputGeometry(model);
  const pixels = size * size;
  if (patch.length !== pixels)
    throw new Error(`mcPredict: patch has ${patch.length} floats, model wants ${size}×${size}`);
  if (!Number.isInteger(passes) || passes < 1)
    throw new Error(`mcPredict: passes must be a positive integer, got ${passes}`);
  if (!model.layers.some((layer) => layer instanceof McDropout)) {
    throw new Error('mcPredict: model has no McDropout layers, every pass would be identical');
  }
  const sum = new Float64Array(pixels);
  const sumSquares = new Float64Array(pixels);
  const probs = keepSamples ? new Float32Array(passes * pixels) : undefined;
  const settings = seed === undefined ? { enabled: true } : { enabled: true, seed };
  withMcDropoutSettings(settings, () => {
    for (let done = 0; done < passes; done += batchSize) {
      const b = Math.min(batchSize, passes - done);
      const values = tf.tidy(() => {
        const one = tf.tensor4d(patch, [1, size, size, 1]);
        return forward(model, tf.tile(one, [b, 1, 1, 1]));
      });
      probs?.set(values, done * pixels);
      for (let k = 0; k < b; k++) {
        const offset = k * pixels;
        for (let i = 0; i < pixels; i++) {
          const p = values[offset + i] ?? 0;
          sum[i] = (sum[i] ?? 0) + p;
          sumSquares[i] = (sumSquares[i] ?? 0) + p * p;
        }
      }
    }
  });
  const mean = new Float32Array(pixels);
  const std = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const m = (sum[i] ?? 0) / passes;
    mean[i] = m;
    std[i] = Math.sqrt(Math.max(0, (sumSquares[i] ?? 0) / passes - m * m));
  }
  return probs ? { mean, std, probs } : { mean, std };
}

/** Wraps a model so callers hold a Segmenter, not tensors; the Segmenter owns the model and disposes it. */
export function createSegmenter(model: LayersModel): Segmenter {
  const { size } = inputGeometry(model);
  return {
    inputSize: size,
    predictProbabilities: (images, options = {}) => predictProbabilities(model, images, { ...options, size }),
    mcPredict: (patch, options) => mcPredict(model, patch, options),
    dispose: () => model.dispose(),
  };
}
