import { createRng } from '@activeseg/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPaperOptimizer } from '../model/optimizer.js';
import { predictProbabilities } from '../model/segmenter.js';
import { expectNoTensorLeak, useCpuBackend } from '../model/test-utils.js';
import { trainStep } from '../model/train-step.js';
import { createUnet } from '../model/unet.js';
import { parseUnetConfig, type UnetConfigInput } from '../model/unet-config.js';
import { createOnnxTrainer } from './onnx-trainer.js';
import { expectTfjsGradients, maxAbs, maxDiff, trainBatch } from './test-utils.js';
import { readBatchNormState, readParams, unetParamSpecs, writeParams } from './unet-params.js';

const SIZE = 32;
const BATCH = 3;

function batchData(seed: number) {
  return trainBatch({ seed, size: SIZE, batch: BATCH });
}

function tinyConfig(overrides: UnetConfigInput = {}) {
  return parseUnetConfig({ inputSize: SIZE, levels: 3, baseFilters: 4, dropoutRate: 0, initSeed: 3, ...overrides });
}

describe('onnxruntime training graph', () => {
  beforeAll(useCpuBackend);

  for (const loss of ['dice', 'wbce'] as const) {
    it(`gives the loss and every parameter gradient tfjs gives (${loss}, dropout off, within 1e-4 relative)`, async () => {
      const config = tinyConfig({ loss });
      const model = createUnet(config);
      await expectTfjsGradients(model, config, batchData(1));
      model.dispose();
    });
  }

  it('matches a central finite difference of its own loss with dropout on (same masks)', async () => {
    const config = tinyConfig({ dropoutRate: 0.3 });
    const data = { ...batchData(2), batch: BATCH };
    const model = createUnet(config);
    const { params, batchNorms } = unetParamSpecs(config);
    const base = readParams(model, params);
    const moving = readBatchNormState(model, batchNorms);
    const gradientAt = async (values: Float32Array[]) => {
      writeParams(model, params, values, batchNorms, moving);
      const trainer = await createOnnxTrainer({
        model,
        config,
        learningRate: 1e-2,
        epochs: 10,
        seed: 1,
        thread: 'main',
      });
      const out = await trainer.gradients(data, { dropoutSeed: 77 });
      await trainer.dispose();
      return out;
    };
    const at = await gradientAt(base);
    // One direction per parameter group, so a wrong gradient deep in the backward pass (the first conv: through every
    // dropout, pool and skip) is not drowned by the large head and decoder gradients.
    const rng = createRng(5);
    for (const group of ['enc1_conv1/kernel', 'enc2_bn1/gamma', 'up1/kernel', 'dec2_conv2/kernel', 'head/kernel']) {
      const index = params.findIndex((p) => p.name === group);
      const g = at.grads.get(group) as Float32Array;
      // The gradient plus noise, normalised; the directional derivative is then g·d.
      const d = Float32Array.from(g, (v) => v + 0.2 * Math.abs(v) * rng.normal());
      const norm = Math.sqrt(d.reduce((t, v) => t + v * v, 0));
      let predicted = 0;
      for (let k = 0; k < d.length; k++) {
        d[k] = (d[k] as number) / norm;
        predicted += (g[k] as number) * (d[k] as number);
      }
      // 1e-3: larger steps cross ReLU kinks and max-pool switches (1e-2: 17 % off), smaller ones hit float32 rounding of
      // the loss for the small gradients (1e-4: 13 % off). Measured: 0.02–0.5 % for the deeper groups, 1–5 % for the first
      // conv (whose perturbation flips the most ReLUs, depending on the masks drawn); a dropped dropout mask gives 47 %.
      const eps = 1e-3;
      const shifted = (sign: number) =>
        base.map((v, i) => (i === index ? Float32Array.from(v, (x, k) => x + sign * eps * (d[k] as number)) : v));
      const plus = await gradientAt(shifted(1));
      const minus = await gradientAt(shifted(-1));
      const measured = (plus.loss - minus.loss) / (2 * eps);
      expect(predicted, group).toBeGreaterThan(0);
      expect(Math.abs(measured - predicted) / predicted, group).toBeLessThan(0.1);
    }
    // And the masks matter: another dropout seed changes the loss.
    writeParams(model, params, base, batchNorms, moving);
    const trainer = await createOnnxTrainer({ model, config, learningRate: 1e-2, epochs: 10, seed: 1 });
    const other = await trainer.gradients(data, { dropoutSeed: 78 });
    await trainer.dispose();
    expect(other.loss).not.toBe(at.loss);
    model.dispose();
  });

  it('takes the same three Adam steps as tfjs trainStep with the paper optimizer (losses, kernels, BatchNorm statistics)', async () => {
    const config = tinyConfig({ loss: 'dice' });
    const tfModel = createUnet(config);
    const onnxModel = createUnet(config);
    const optimizer = createPaperOptimizer({ lr: 1e-2, epochs: 4 });
    const trainer = await createOnnxTrainer({ model: onnxModel, config, learningRate: 1e-2, epochs: 4, seed: 1 });
    for (let step = 0; step < 3; step++) {
      const data = { ...batchData(10 + step), batch: BATCH, size: SIZE, loss: 'dice' as const };
      const want = trainStep(tfModel, optimizer, data);
      const got = (await trainer.step(data)).loss;
      expect(got).toBeCloseTo(want, 4);
    }
    expect(trainer.iterations).toBe(3);
    await trainer.writeTo(onnxModel);
    await trainer.dispose();
    optimizer.dispose();
    for (const layer of tfModel.layers) {
      const other = onnxModel.getLayer(layer.name);
      layer.getWeights().forEach((w, i) => {
        const name = `${layer.name}/${layer.weights[i]?.originalName ?? i}`;
        // A conv bias right before BatchNorm has a true gradient of 0; Adam turns its rounding noise into ±lr steps
        // that differ between engines and cancel in the BatchNorm, so only those are left out.
        if (/_conv\d$/.test(layer.name) && i === 1) return;
        const a = w.dataSync() as Float32Array;
        const b = other.getWeights()[i]?.dataSync() as Float32Array;
        expect(maxDiff(a, b), name).toBeLessThanOrEqual(2e-4 * Math.max(1, maxAbs(a)));
      });
    }
    tfModel.dispose();
    onnxModel.dispose();
  });

  it('predicts what the tfjs model predicts once the weights are written back (BatchNorm on moving statistics)', async () => {
    const config = tinyConfig({ dropoutRate: 0.2 });
    const model = createUnet(config);
    const trainer = await createOnnxTrainer({ model, config, learningRate: 1e-2, epochs: 10, seed: 2 });
    for (let step = 0; step < 4; step++) await trainer.step({ ...batchData(30 + step), batch: BATCH });
    const { images } = batchData(40);
    const onnx = await trainer.predict(images, BATCH);
    await trainer.writeTo(model);
    await trainer.dispose();
    const tfjs = predictProbabilities(model, images, { size: SIZE, batchSize: BATCH });
    expect(onnx).toHaveLength(tfjs.length);
    expect(maxDiff(onnx, tfjs)).toBeLessThan(1e-4);
    // Not trivially equal: four steps moved the weights and the moving statistics away from their start.
    const fresh = predictProbabilities(createUnet(config), images, { size: SIZE, batchSize: BATCH });
    expect(maxDiff(onnx, fresh)).toBeGreaterThan(1e-2);
    model.dispose();
  });

  it('writes weights back without leaking tensors', async () => {
    const config = tinyConfig();
    const model = createUnet(config);
    const trainer = await createOnnxTrainer({ model, config, learningRate: 1e-2, epochs: 10, seed: 1 });
    await expectNoTensorLeak(() => trainer.writeTo(model));
    await trainer.dispose();
    model.dispose();
  });
});

describe('onnxruntime trainer threads', () => {
  beforeAll(useCpuBackend);

  it('takes identical steps in a worker thread and in the calling thread (same seed, dropout on)', async () => {
    const config = tinyConfig({ dropoutRate: 0.2 });
    const losses: number[][] = [];
    for (const thread of ['worker', 'main'] as const) {
      const model = createUnet(config);
      const trainer = await createOnnxTrainer({ model, config, learningRate: 1e-2, epochs: 10, seed: 4, thread });
      const run: number[] = [];
      for (let step = 0; step < 3; step++)
        run.push((await trainer.step({ ...batchData(20 + step), batch: BATCH })).loss);
      losses.push(run);
      await trainer.dispose();
      model.dispose();
    }
    expect(losses[0]).toEqual(losses[1]);
  });

  it('leaves the event loop free while a worker-thread step runs', async () => {
    const config = parseUnetConfig({ inputSize: 128, levels: 4, baseFilters: 8, initSeed: 1 });
    const model = createUnet(config);
    const trainer = await createOnnxTrainer({ model, config, learningRate: 1e-2, epochs: 10, seed: 1 });
    const n = 5 * 128 * 128;
    const input = { images: new Float32Array(n).fill(0.3), masks: new Float32Array(n).fill(1), batch: 5 };
    await trainer.step(input); // session creation and warm-up
    let ticks = 0;
    let longest = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      ticks++;
    }, 5);
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) await trainer.step(input);
    const elapsed = performance.now() - t0;
    clearInterval(timer);
    await trainer.dispose();
    model.dispose();
    // In the calling thread a step (hundreds of ms here) would stall every timer for its whole length.
    expect(elapsed).toBeGreaterThan(150);
    expect(ticks).toBeGreaterThan(elapsed / 5 / 4);
    expect(longest).toBeLessThan(Math.max(100, elapsed / 6));
  });
});
