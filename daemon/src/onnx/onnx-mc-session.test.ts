import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { withMcDropoutSettings } from '../model/layers/mc-dropout.js';
import { createUnet } from '../model/unet.js';
import { parseUnetConfig } from '../model/unet-config.js';
import { exportOnnx } from './export-onnx.js';
import { createOnnxMcSession } from './onnx-mc-session.js';
import { randomizeNormalization } from './randomize-normalization.js';

const SIZE = 32;
const PASSES = 200;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function smallUnet() {
  const model = createUnet(
    parseUnetConfig({ inputSize: SIZE, levels: 3, baseFilters: 4, dropoutRate: 0.2, initSeed: 21 }),
  );
  randomizeNormalization(model, 13);
  return model;
}

function randomPatch(seed: number): Float32Array {
  const patch = tf.randomUniform([SIZE * SIZE], 0, 1, 'float32', seed);
  const data = patch.dataSync() as Float32Array;
  patch.dispose();
  return data;
}

/** tfjs Monte-Carlo reference: all passes in one batch, McDropout on (a fresh mask per element and pass). */
function tfjsMc(model: ReturnType<typeof smallUnet>, patch: Float32Array): { mean: Float64Array; std: Float64Array } {
  const pixels = SIZE * SIZE;
  const probs = withMcDropoutSettings({ enabled: true, seed: 99 }, () =>
    tf.tidy(() => {
      const x = tf.tile(tf.tensor4d(patch, [1, SIZE, SIZE, 1]), [PASSES, 1, 1, 1]);
      return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    }),
  );
  const mean = new Float64Array(pixels);
  const std = new Float64Array(pixels);
  for (let p = 0; p < pixels; p++) {
    let sum = 0;
    let sumSquares = 0;
    for (let pass = 0; pass < PASSES; pass++) {
      const value = probs[pass * pixels + p]!;
      sum += value;
      sumSquares += value * value;
    }
    mean[p] = sum / PASSES;
    std[p] = Math.sqrt(Math.max(sumSquares / PASSES - mean[p]! ** 2, 0));
  }
  return { mean, std };
}

describe('createOnnxMcSession', () => {
  it.each(['inputs', 'graph'] as const)(
    'gives per-pixel MC mean and std that agree with tfjs McDropout within sampling error (%s masks)',
    async (dropoutMasks) => {
      const model = smallUnet();
      const patch = randomPatch(3);
      const reference = tfjsMc(model, patch);
      const engine = await createOnnxMcSession({ model: exportOnnx(model, { dropoutMasks }), intraOpThreads: 1 });
      expect(engine.dropoutMasks).toBe(dropoutMasks === 'inputs' ? 'wasm-simd' : 'graph');
      const onnx = await engine.mcPredict(patch, SIZE, { passes: PASSES, batchSize: 50 });
      await engine.dispose();

      let meanAgrees = 0;
      let stdAgrees = 0;
      let uncertain = 0;
      const pixels = SIZE * SIZE;
      for (let p = 0; p < pixels; p++) {
        const sigma = Math.sqrt((reference.std[p]! ** 2 + onnx.std[p]! ** 2) / 2);
        // Each mean has standard error σ/√n, so their difference has √2·σ/√n: 4σ/√n is ≈ 2.8 of those.
        const tolerance = (4 * sigma) / Math.sqrt(PASSES) + 1e-5;
        if (Math.abs(reference.mean[p]! - onnx.mean[p]!) < tolerance) meanAgrees++;
        if (Math.abs(reference.std[p]! - onnx.std[p]!) < tolerance) stdAgrees++;
        if (sigma > 0.01) uncertain++;
      }
      // Dropout must really make the prediction uncertain, or the comparison above says nothing.
      expect(uncertain / pixels).toBeGreaterThan(0.5);
      expect(meanAgrees / pixels).toBeGreaterThanOrEqual(0.95);
      expect(stdAgrees / pixels).toBeGreaterThanOrEqual(0.95);
    },
  );

  it('draws fresh masks on every call, so two MC runs of the same patch differ', async () => {
    const engine = await createOnnxMcSession({ model: exportOnnx(smallUnet()), intraOpThreads: 1 });
    const patch = randomPatch(4);
    const first = await engine.mcPredict(patch, SIZE, { passes: 4, batchSize: 2 });
    const second = await engine.mcPredict(patch, SIZE, { passes: 4, batchSize: 2 });
    await engine.dispose();
    let differing = 0;
    for (let p = 0; p < first.mean.length; p++) if (first.mean[p] !== second.mean[p]) differing++;
    expect(differing / first.mean.length).toBeGreaterThan(0.9);
  });

  it('is deterministic with zero std when exported without dropout', async () => {
    const engine = await createOnnxMcSession({
      model: exportOnnx(smallUnet(), { mcDropout: false }),
      intraOpThreads: 1,
    });
    const result = await engine.mcPredict(randomPatch(5), SIZE, { passes: 5, batchSize: 2 });
    expect(engine.dropoutMasks).toBe('none');
    await engine.dispose();
    expect(Math.max(...result.std)).toBeLessThan(1e-6);
  });

  it('draws the masks of a pass from (seed, pass number) alone: batching does not change the passes', async () => {
    const bytes = exportOnnx(smallUnet());
    const patch = randomPatch(8);
    const run = async (batchSize: number) => {
      // The engine's seed stands in for an export-time seed.
      const engine = await createOnnxMcSession({ model: bytes, intraOpThreads: 1, seed: 31 });
      const result = await engine.mcPredict(patch, SIZE, { passes: 6, batchSize, keepProbs: true });
      await engine.dispose();
      return result.probs ?? new Float32Array();
    };
    const [inTwos, inThrees, allAtOnce] = [await run(2), await run(3), await run(6)];
    let largest = 0;
    for (let i = 0; i < inTwos.length; i++) {
      largest = Math.max(largest, Math.abs(inTwos[i]! - inThrees[i]!), Math.abs(inTwos[i]! - allAtOnce[i]!));
    }
    // Same masks, so only the conv kernels' batch-dependent rounding may differ.
    expect(largest).toBeLessThan(1e-5);
    const px = SIZE * SIZE;
    expect([...inTwos.subarray(0, px)]).not.toEqual([...inTwos.subarray(px, 2 * px)]);
  });

  it('gives overlapping calls their own masks, repeatably for a seed', async () => {
    const bytes = exportOnnx(smallUnet(), { seed: 12 });
    const patch = randomPatch(9);
    const overlapped = async () => {
      const engine = await createOnnxMcSession({ model: bytes, intraOpThreads: 1 });
      const options = { passes: 4, batchSize: 2, keepProbs: true };
      const results = await Promise.all([
        engine.mcPredict(patch, SIZE, options),
        engine.mcPredict(patch, SIZE, options),
      ]);
      await engine.dispose();
      return results.map((result) => result.probs ?? new Float32Array());
    };
    const [a, b] = await overlapped();
    const px = SIZE * SIZE;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        expect([...a!.subarray(i * px, (i + 1) * px)]).not.toEqual([...b!.subarray(j * px, (j + 1) * px)]);
      }
    }
    const [a2, b2] = await overlapped();
    expect([...a2!]).toEqual([...a!]);
    expect([...b2!]).toEqual([...b!]);
  });

  it('keeps every pass when asked and summarizes them exactly, also with a last partial batch', async () => {
    const engine = await createOnnxMcSession({ model: exportOnnx(smallUnet()), intraOpThreads: 1 });
    const passes = 7;
    const result = await engine.mcPredict(randomPatch(6), SIZE, { passes, batchSize: 3, keepProbs: true });
    await engine.dispose();
    const pixels = SIZE * SIZE;
    const probs = result.probs;
    expect(probs).toHaveLength(passes * pixels);
    if (probs === undefined) return;
    for (const p of [0, 17, pixels - 1]) {
      const values = Array.from({ length: passes }, (_, pass) => probs[pass * pixels + p]!);
      const mean = values.reduce((a, b) => a + b, 0) / passes;
      const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / passes;
      expect(result.mean[p]).toBeCloseTo(mean, 6);
      expect(result.std[p]).toBeCloseTo(Math.sqrt(variance), 6);
    }
    // The last batch (7 = 3 + 3 + 1) was drawn too: its pass is not a copy of an earlier one.
    expect(probs.subarray(6 * pixels, 7 * pixels)).not.toEqual(probs.subarray(0, pixels));
  });

  it('runs a fixed-batch export by padding the last batch', async () => {
    const engine = await createOnnxMcSession({ model: exportOnnx(smallUnet(), { batch: 4 }), intraOpThreads: 1 });
    const result = await engine.mcPredict(randomPatch(7), SIZE, { passes: 6, keepProbs: true });
    await expect(engine.predict(new Float32Array(2 * SIZE * SIZE), 2, SIZE)).rejects.toThrow(/batch 4/);
    await engine.dispose();
    expect(result.passes).toBe(6);
    expect(result.probs).toHaveLength(6 * SIZE * SIZE);
  });

  it('rejects input of the wrong length and use after dispose', async () => {
    const engine = await createOnnxMcSession({ model: exportOnnx(smallUnet()), intraOpThreads: 1 });
    expect(engine.inputChannels).toBe(1);
    expect(engine.outputChannels).toBe(1);
    await expect(engine.predict(new Float32Array(10), 1, SIZE)).rejects.toThrow(/expected 1024 values/);
    await engine.dispose();
    await expect(engine.predict(new Float32Array(SIZE * SIZE), 1, SIZE)).rejects.toThrow(/after dispose/);
  });
});
