import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DATA_DIR } from '../cli/demo-paths.js';
import { selectBackend } from '../model/backend.js';
import { mcPredict, predictProbabilities } from '../model/index.js';
import { loadSimulationPatches } from '../simulate/load-simulation-patches.js';
import type { PoolCandidate } from '../simulate/score-pool.js';
import { splitPatches, subjectOf } from '../simulate/split-patches.js';
import { normalizeInto } from './normalization-stats.js';
import { PRESETS } from './presets.js';
import { evaluateDice, type TrainModelResult, trainModel } from './train-model.js';

const preset = PRESETS.tiny;

/** Pooled Dice of a constant prediction over the annotated pixels: the trivial baselines a model must beat. */
function constantDice(patches: readonly PoolCandidate[], value: 0 | 1): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const p of patches) {
    for (let i = 0; i < p.mask.length; i++) {
      if (!p.weight[i]) continue;
      const y = p.mask[i] === 1;
      if (value === 1 && y) tp++;
      else if (value === 1) fp++;
      else if (y) fn++;
    }
  }
  return tp + fp + fn === 0 ? 1 : (2 * tp) / (2 * tp + fp + fn);
}

describe('trainModel on real SEM patches (tiny preset, wasm)', () => {
  let train: PoolCandidate[];
  let val: PoolCandidate[];
  let test: PoolCandidate[];
  let result: TrainModelResult;

  beforeAll(async () => {
    await selectBackend({ purpose: 'train' });
    const { patches } = await loadSimulationPatches({
      dir: DEMO_DATA_DIR,
      patchSize: preset.patchSize,
      scale: preset.scale,
    });
    const split = splitPatches(
      patches.map((p) => ({ id: p.id, group: subjectOf(p.sourceId) })),
      { counts: { initial: 40, val: 8, test: 40 }, poolNeeded: 0, seed: 3 },
    );
    const byId = new Map(patches.map((p) => [p.id, p]));
    const get = (id: string) => byId.get(id) as PoolCandidate;
    train = split.initial.map(get);
    val = split.val.map(get);
    test = split.test.map(get);
    result = await trainModel({
      train,
      val,
      unet: preset.unet,
      epochs: 25,
      batchSize: preset.batchSize,
      stepsPerEpoch: preset.stepsPerEpoch,
      learningRate: preset.learningRate,
      seed: 7,
    });
  });

  it('beats the all-background and all-foreground predictions on held-out subjects', () => {
    const dice = evaluateDice(result.model, test, result.normalization);
    const allForeground = constantDice(test, 1);
    const allBackground = constantDice(test, 0);
    console.info(
      `test Dice ${dice.toFixed(3)} vs all-foreground ${allForeground.toFixed(3)}, all-background ${allBackground.toFixed(3)}`,
    );
    expect(allBackground).toBe(0);
    expect(dice).toBeGreaterThan(allForeground + 0.1);
    expect(result.bestEpoch).toBeGreaterThan(0);
    expect(result.history).toHaveLength(25);
  });

  it('gives Monte-Carlo std that is non-zero and higher where the mean is ambiguous than where it is confident', () => {
    let ambiguous = 0;
    let nAmbiguous = 0;
    let confident = 0;
    let nConfident = 0;
    const size = preset.patchSize;
    for (const p of test.slice(0, 12)) {
      const x = new Float32Array(size * size);
      normalizeInto(x, 0, p.image, result.normalization);
      const { mean, std } = mcPredict(result.model, x, { passes: 20, seed: 1 });
      for (let i = 0; i < mean.length; i++) {
        const m = mean[i] as number;
        if (Math.abs(m - 0.5) < 0.2) {
          ambiguous += std[i] as number;
          nAmbiguous++;
        } else if (Math.abs(m - 0.5) > 0.45) {
          confident += std[i] as number;
          nConfident++;
        }
      }
    }
    expect(nAmbiguous).toBeGreaterThan(50);
    expect(nConfident).toBeGreaterThan(50);
    const a = ambiguous / nAmbiguous;
    const c = confident / nConfident;
    console.info(`mean MC std: ambiguous ${a.toFixed(4)} vs confident ${c.toFixed(4)}`);
    expect(c).toBeGreaterThan(0);
    expect(a).toBeGreaterThan(2 * c);
  });

  it('holds the tensor count flat over repeated train + predict cycles', async () => {
    const cycle = async () => {
      const r = await trainModel({
        train: train.slice(0, 5),
        val: val.slice(0, 2),
        unet: preset.unet,
        epochs: 1,
        batchSize: 5,
        stepsPerEpoch: 1,
        learningRate: preset.learningRate,
        seed: 1,
      });
      const x = new Float32Array(preset.patchSize ** 2);
      normalizeInto(x, 0, (train[0] as PoolCandidate).image, r.normalization);
      predictProbabilities(r.model, x, { size: preset.patchSize });
      mcPredict(r.model, x, { passes: 4, seed: 1 });
      r.model.dispose();
    };
    await cycle();
    const after1 = tf.memory().numTensors;
    await cycle();
    await cycle();
    expect(tf.memory().numTensors).toBe(after1);
  });
});
