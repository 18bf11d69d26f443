import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend.js';
import { setMcDropoutSeed } from './layers/mc-dropout.js';
import { createPaperOptimizer } from './optimizer.js';
import { expectNoTensorLeak } from './test-utils.js';
import { trainStep } from './train-step.js';
import { createUnet } from './unet.js';
import { parseUnetConfig } from './unet-config.js';

const SIZE = 32;

/** Seeded bright discs on a noisy dark background; the mask is the discs. */
function discBatch(batch: number, seed: number): { images: Float32Array; masks: Float32Array } {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const images = new Float32Array(batch * SIZE * SIZE);
  const masks = new Float32Array(batch * SIZE * SIZE);
  for (let b = 0; b < batch; b++) {
    const discs = Array.from({ length: 2 }, () => ({ x: 6 + rand() * 20, y: 6 + rand() * 20, r: 3 + rand() * 4 }));
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const inside = discs.some((d) => (x - d.x) ** 2 + (y - d.y) ** 2 <= d.r ** 2);
        const i = (b * SIZE + y) * SIZE + x;
        masks[i] = inside ? 1 : 0;
        images[i] = (inside ? 1 : -1) + (rand() - 0.5) * 0.8;
      }
    }
  }
  return { images, masks };
}

const bnWeights = (model: LayersModel, name: string) =>
  model
    .getLayer(name)
    .getWeights()
    .map((w) => Array.from(w.dataSync()));

describe('trainStep', () => {
  // The wasm backend with our training kernels: the same numbers as cpu (kernels.test.ts) at a fraction of the time.
  beforeAll(async () => {
    await selectBackend({ prefer: 'wasm', purpose: 'train' });
  });

  it('lowers the Dice loss over 20 steps on bright discs and moves BatchNorm moving statistics', () => {
    // Seeded weights, data and dropout masks: the run is deterministic, so the threshold below cannot flake.
    setMcDropoutSeed(2);
    const model = createUnet(parseUnetConfig({ inputSize: SIZE, levels: 3, baseFilters: 4, initSeed: 2 }));
    const optimizer = createPaperOptimizer({ lr: 1e-2, epochs: 10 });
    const [, , mean0, var0] = bnWeights(model, 'enc1_bn1');
    const losses: number[] = [];
    for (let step = 0; step < 20; step++) {
      // Batch 1: tfjs-backend-cpu's Conv2DBackpropFilter is a naive loop (~0.5 s per image-step here).
      const batch = discBatch(1, step + 1);
      losses.push(trainStep(model, optimizer, { ...batch, batch: 1, size: SIZE, loss: 'dice' }));
    }
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(avg(losses.slice(-4))).toBeLessThan(avg(losses.slice(0, 4)) - 0.1);
    const [, , mean1, var1] = bnWeights(model, 'enc1_bn1');
    expect(mean1).not.toEqual(mean0);
    expect(var1).not.toEqual(var0);
    expect(optimizer.iterations).toBe(20);
    setMcDropoutSeed(undefined);
    model.dispose();
    optimizer.dispose();
  });

  it('trains wBCE with a weight mask and leaks no tensors once the optimizer slots exist', async () => {
    const model = createUnet(
      parseUnetConfig({ inputSize: SIZE, levels: 3, baseFilters: 4, loss: 'wbce', initSeed: 4 }),
    );
    const optimizer = createPaperOptimizer({ epochs: 10 });
    const batch = discBatch(1, 99);
    const weights = new Float32Array(batch.masks.length).map((_, i) => (i % 3 === 0 ? 0 : 1));
    let loss = Number.NaN;
    await expectNoTensorLeak(() => {
      loss = trainStep(model, optimizer, { ...batch, weights, batch: 1, size: SIZE, loss: 'wbce' });
    });
    expect(loss).toBeGreaterThan(0);
    model.dispose();
    optimizer.dispose();
  });

  it('optimizes only the given model, not other live models', () => {
    const config = parseUnetConfig({ inputSize: SIZE, levels: 2, baseFilters: 2, initSeed: 6 });
    const [model, bystander] = [createUnet(config), createUnet(config)];
    const before = bystander.getLayer('enc1_conv1').getWeights()[0]?.dataSync().slice();
    const optimizer = createPaperOptimizer({ epochs: 10 });
    trainStep(model, optimizer, { ...discBatch(1, 5), batch: 1, size: SIZE, loss: 'dice' });
    expect(bystander.getLayer('enc1_conv1').getWeights()[0]?.dataSync()).toEqual(before);
    expect(model.getLayer('enc1_conv1').getWeights()[0]?.dataSync()).not.toEqual(before);
    for (const m of [model, bystander]) m.dispose();
    optimizer.dispose();
  });

  it('names the array whose length does not match batch·size²', () => {
    const model = createUnet(parseUnetConfig({ inputSize: SIZE, levels: 2, baseFilters: 2 }));
    const optimizer = createPaperOptimizer({ epochs: 1 });
    const ok = discBatch(1, 1);
    expect(() =>
      trainStep(model, optimizer, { ...ok, masks: new Float32Array(3), batch: 1, size: SIZE, loss: 'dice' }),
    ).toThrow(/masks has 3 floats, expected 1024/);
    expect(tf.memory().numTensors).toBeGreaterThan(0);
    model.dispose();
    optimizer.dispose();
  });
});
