import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { softDiceLoss, weightedBceLoss } from './losses.js';
import { useCpuBackend } from './test-utils.js';

const t = (values: number[]) => tf.tensor4d(values, [1, 2, 2, 1]);
const value = (f: () => tf.Scalar) => tf.tidy(() => f().dataSync()[0] ?? Number.NaN);
const Y = [1, 0, 1, 0];
const P = [0.8, 0.2, 0.6, 0.4];
const W = [1, 1, 0, 1];

describe('losses', () => {
  beforeAll(useCpuBackend);

  it('soft Dice matches a hand calculation, with and without a weight mask', () => {
    // Σyp = 1.4, Σy = 2, Σp = 2 → 1 − (2.8 + 1) / (2 + 2 + 1)
    expect(value(() => softDiceLoss(t(Y), t(P)))).toBeCloseTo(1 - 3.8 / 5, 6);
    // pixel 3 dropped: Σwyp = 0.8, Σwy = 1, Σwp = 1.4 → 1 − 2.6 / 3.4
    expect(value(() => softDiceLoss(t(Y), t(P), t(W)))).toBeCloseTo(1 - 2.6 / 3.4, 6);
  });

  it('weighted BCE weighs y=1 by 0.3 and y=0 by 0.7 and averages over annotated pixels', () => {
    const l8 = -Math.log(0.8);
    const l6 = -Math.log(0.6);
    expect(value(() => weightedBceLoss(t(Y), t(P)))).toBeCloseTo((0.3 * l8 + 0.7 * l8 + 0.3 * l6 + 0.7 * l6) / 4, 6);
    expect(value(() => weightedBceLoss(t(Y), t(P), t(W)))).toBeCloseTo((0.3 * l8 + 0.7 * l8 + 0.7 * l6) / 3, 6);
  });

  it('weighted BCE clips p so confident mistakes stay finite, and an empty mask gives 0', () => {
    const clipped = value(() => weightedBceLoss(t([1, 1, 0, 0]), t([0, 0, 1, 1])));
    // float32: the upper clip 1 − 1e-7 rounds to 1 − 2^-23, so −log(1 − p) saturates a little lower than −log(p).
    const atZero = -Math.log(Math.fround(1e-7));
    const atOne = -Math.log(1 - Math.fround(1 - 1e-7));
    expect(clipped).toBeCloseTo((0.3 * 2 * atZero + 0.7 * 2 * atOne) / 4, 4);
    expect(value(() => weightedBceLoss(t(Y), t(P), t([0, 0, 0, 0])))).toBe(0);
  });

  for (const [name, loss] of [
    ['softDiceLoss', softDiceLoss],
    ['weightedBceLoss', weightedBceLoss],
  ] as const) {
    it(`${name}: weight-0 pixels get zero gradient and do not change the loss`, () => {
      const grad = tf.tidy(() =>
        tf
          .grad((p: tf.Tensor) => loss(t(Y), p, t(W)))(t(P))
          .dataSync(),
      );
      expect(grad[2]).toBe(0);
      for (const i of [0, 1, 3]) expect(Math.abs(grad[i] ?? 0)).toBeGreaterThan(1e-4);
      const changed = [...P];
      changed[2] = 0.01;
      expect(value(() => loss(t(Y), t(changed), t(W)))).toBeCloseTo(
        value(() => loss(t(Y), t(P), t(W))),
        7,
      );
    });
  }
});
