import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSegmenter, mcPredict, predictProbabilities } from './segmenter.js';
import { expectNoTensorLeak, useCpuBackend } from './test-utils.js';
import { createUnet } from './unet.js';
import { parseUnetConfig } from './unet-config.js';

const SIZE = 32;

function image(seed: number): Float32Array {
  const a = new Float32Array(SIZE * SIZE);
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(i * 0.37 + seed) + Math.cos(i * 0.011 * seed);
  return a;
}

function movingStats(model: LayersModel): number[] {
  return Array.from(model.getLayer('enc1_bn1').getWeights()[2]?.dataSync() ?? []);
}

describe('segmenter', () => {
  let model: LayersModel;
  beforeAll(async () => {
    await useCpuBackend();
    model = createUnet(parseUnetConfig({ inputSize: SIZE, levels: 3, baseFilters: 4, dropoutRate: 0.5, initSeed: 3 }));
  });
  afterAll(() => model.dispose());

  it('predictProbabilities is deterministic and independent of batch size', () => {
    const images = new Float32Array([...image(1), ...image(2), ...image(3)]);
    const a = predictProbabilities(model, images, { size: SIZE, batchSize: 1 });
    const b = predictProbabilities(model, images, { size: SIZE, batchSize: 3 });
    expect(a).toHaveLength(3 * SIZE * SIZE);
    expect(a.every((p) => p >= 0 && p <= 1)).toBe(true);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i] ?? Number.NaN, 5);
    expect(predictProbabilities(model, images, { size: SIZE, batchSize: 1 })).toEqual(a);
  });

  it('predictProbabilities rejects a size that is not the model input', () => {
    expect(() => predictProbabilities(model, new Float32Array(16 * 16), { size: 16 })).toThrow(/model input size 32/);
    expect(() => predictProbabilities(model, new Float32Array(SIZE * SIZE + 1), { size: SIZE })).toThrow(
      /whole number/,
    );
  });

  it('mcPredict has non-zero std, repeats for a seed, and differs across seeds', () => {
    const patch = image(4);
    const a = mcPredict(model, patch, { passes: 6, batchSize: 4, seed: 11 });
    const b = mcPredict(model, patch, { passes: 6, batchSize: 4, seed: 11 });
    const c = mcPredict(model, patch, { passes: 6, batchSize: 4, seed: 12 });
    expect(Math.max(...a.std)).toBeGreaterThan(1e-3);
    expect(b.mean).toEqual(a.mean);
    expect(b.std).toEqual(a.std);
    expect(c.std).not.toEqual(a.std);
    expect(a.probs).toBeUndefined();
  });

  it('mcPredict mean and std are the population moments of the kept samples', () => {
    const passes = 5;
    const r = mcPredict(model, image(5), { passes, batchSize: 2, seed: 1, keepSamples: true });
    const probs = r.probs ?? new Float32Array();
    expect(probs).toHaveLength(passes * SIZE * SIZE);
    for (const i of [0, 17, 500, SIZE * SIZE - 1]) {
      const xs = Array.from({ length: passes }, (_, k) => probs[k * SIZE * SIZE + i] ?? 0);
      const m = xs.reduce((s, x) => s + x, 0) / passes;
      const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / passes);
      expect(r.mean[i]).toBeCloseTo(m, 6);
      expect(r.std[i]).toBeCloseTo(sd, 5);
    }
  });

  it('mcPredict leaves BatchNorm moving statistics untouched (inference-mode BatchNorm)', () => {
    const before = movingStats(model);
    mcPredict(model, image(6), { passes: 4, batchSize: 4 });
    expect(movingStats(model)).toEqual(before);
  });

  it('leaks no tensors over repeated predict + mcPredict cycles', async () => {
    const segmenter = createSegmenter(model);
    await expectNoTensorLeak(() => {
      segmenter.predictProbabilities(new Float32Array([...image(7), ...image(8)]), { batchSize: 2 });
      segmenter.mcPredict(image(9), { passes: 3, batchSize: 2 });
    });
    expect(tf.memory().numTensors).toBeGreaterThan(0); // the model's weights are still alive
  });
});
