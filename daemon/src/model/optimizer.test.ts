import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPaperOptimizer, paperLearningRate } from './optimizer.js';
import { useCpuBackend } from './test-utils.js';

describe('paper optimizer', () => {
  beforeAll(useCpuBackend);

  it('follows lr0 / (1 + (lr0/epochs)·iteration)', () => {
    expect(paperLearningRate({ lr: 0.01, epochs: 100 }, 0)).toBe(0.01);
    // decay = 1e-4: step 100 → 0.01 / 1.01, step 10 000 → 0.01 / 2
    expect(paperLearningRate({ lr: 0.01, epochs: 100 }, 100)).toBeCloseTo(0.01 / 1.01, 12);
    expect(paperLearningRate({ lr: 0.01, epochs: 100 }, 10_000)).toBeCloseTo(0.005, 12);
    expect(paperLearningRate({ epochs: 1 }, 1)).toBeCloseTo(0.01 / 1.01, 12); // lr defaults to 1e-2
  });

  it('applies the decayed rate on each step, counting steps like Keras iterations', () => {
    // With Adam's bias correction the first step moves a parameter by ≈ lr·sign(grad), so each step's size shows its lr.
    const opt = createPaperOptimizer({ lr: 0.1, epochs: 0.5 }); // decay = 0.2
    const x = tf.variable(tf.scalar(0));
    const steps: number[] = [];
    for (let i = 0; i < 3; i++) {
      expect(opt.currentLearningRate).toBeCloseTo(0.1 / (1 + 0.2 * i), 12);
      const before = x.dataSync()[0] ?? 0;
      tf.dispose(opt.minimize(() => tf.mul(x, 1) as tf.Scalar, true) ?? []);
      steps.push(before - (x.dataSync()[0] ?? 0));
    }
    // A constant gradient keeps m̂/√v̂ = 1, so step i moves exactly lr_i (up to eps).
    for (const [i, s] of steps.entries()) expect(s).toBeCloseTo(0.1 / (1 + 0.2 * i), 5);
    expect(opt.iterations).toBe(3);
    x.dispose();
    opt.dispose();
  });

  it('rejects non-positive epochs', () => {
    expect(() => createPaperOptimizer({ epochs: 0 })).toThrow(/epochs/);
  });
});
