import { createRng } from '@activeseg/shared';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';
import { withMcDropoutSettings } from '../model/layers/mc-dropout.js';
import { lossFunction } from '../model/losses.js';
import { createUnet } from '../model/unet.js';
import type { UnetConfig } from '../model/unet-config.js';
import { createOnnxTrainer } from './onnx-trainer.js';
import { readParams, unetParamSpecs } from './unet-params.js';

export interface TrainBatch {
  readonly images: Float32Array;
  readonly masks: Float32Array;
  readonly weights: Float32Array;
  readonly batch: number;
}

/** Smooth images with flat regions (ties inside max-pool windows), a stripe mask, and a weight mask with holes. */
export function trainBatch(options: { seed: number; size: number; batch: number }): TrainBatch {
  const { size, batch } = options;
  const rng = createRng(options.seed);
  const n = batch * size * size;
  const images = new Float32Array(n);
  const masks = new Float32Array(n);
  const weights = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = i % size;
    images[i] = x < 6 ? 0.5 : Math.sin(i * 0.37) + 0.3 * rng.normal();
    masks[i] = Math.sin(i * 0.05) > 0.2 ? 1 : 0;
    weights[i] = rng.next() < 0.15 ? 0 : 1;
  }
  return { images, masks, weights, batch };
}

/**
 * tfjs' own loss and gradients (BatchNorm on batch moments, McDropout switched off), keyed like the ONNX parameters
 * of `config`'s spec, in ONNX layout. Single-channel models.
 */
function tfjsGradients(
  model: LayersModel,
  config: UnetConfig,
  data: TrainBatch,
): { loss: number; grads: Map<string, Float32Array> } {
  const shape: [number, number, number, number] = [data.batch, config.inputSize, config.inputSize, 1];
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.tensor4d(data.images, shape);
  const y = tf.tensor4d(data.masks, shape);
  const w = tf.tensor4d(data.weights, shape);
  const { value, grads } = withMcDropoutSettings({ enabled: false }, () =>
    tf.variableGrads(() => lossFunction(config.loss)(y, model.apply(x, { training: true }) as tf.Tensor, w), vars),
  );
  // Reuse the layout conversion under test's sibling: write the gradients into a scratch model, read them back.
  const scratch = createUnet(config);
  vars.forEach((v, i) => {
    const target = scratch.trainableWeights[i]?.read() as tf.Variable;
    target.assign(grads[v.name] as tf.Tensor);
  });
  const { params } = unetParamSpecs(config);
  const values = readParams(scratch, params);
  const out = new Map(params.map((p, i) => [p.name, values[i] as Float32Array]));
  const loss = value.dataSync()[0] as number;
  tf.dispose([x, y, w, value, ...Object.values(grads)]);
  scratch.dispose();
  return { loss, grads: out };
}

/**
 * Fails unless the onnxruntime training graph of `config` gives the loss tfjs gives and every parameter gradient
 * within 1e-4 relative to the largest of that parameter's gradients (dropout off on both sides).
 */
export async function expectTfjsGradients(model: LayersModel, config: UnetConfig, data: TrainBatch): Promise<void> {
  const trainer = await createOnnxTrainer({ model, config, learningRate: 1e-2, epochs: 10, seed: 1 });
  const onnx = await trainer.gradients(data, { dropout: false });
  await trainer.dispose();
  const reference = tfjsGradients(model, config, data);
  expect(onnx.loss).toBeCloseTo(reference.loss, 5);
  expect([...onnx.grads.keys()]).toEqual([...reference.grads.keys()]);
  for (const [name, g] of onnx.grads) {
    const want = reference.grads.get(name) as Float32Array;
    expect(maxDiff(g, want), name).toBeLessThanOrEqual(1e-4 * maxAbs(want) + 1e-7);
  }
}

export function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

export function maxDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`maxDiff: lengths ${a.length} and ${b.length} differ`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
