import * as tf from '@tensorflow/tfjs-core';
import { input, model, models } from '@tensorflow/tfjs-layers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test-utils.js';
import { McDropout, setMcDropoutEnabled, setMcDropoutSeed, withMcDropoutSettings } from './mc-dropout.js';

function run(layer: McDropout, x: tf.Tensor, kwargs: Record<string, unknown> = {}): Float32Array {
  return tf.tidy(() => (layer.apply(x, kwargs) as tf.Tensor).dataSync() as Float32Array);
}

describe('McDropout', () => {
  beforeAll(useCpuBackend);
  afterEach(() => {
    setMcDropoutEnabled(true);
    setMcDropoutSeed(undefined);
  });

  it('drops and rescales by 1/(1-rate) at inference, without training: true', () => {
    const layer = new McDropout({ rate: 0.5 });
    const ones = tf.ones([1000]);
    for (const kwargs of [{}, { training: false }, { training: true }]) {
      const out = run(layer, ones, kwargs);
      const zeros = out.filter((v) => v === 0).length;
      expect(out.every((v) => v === 0 || Math.abs(v - 2) < 1e-6)).toBe(true);
      expect(zeros).toBeGreaterThan(400);
      expect(zeros).toBeLessThan(600);
    }
    ones.dispose();
  });

  it('is the identity when switched off', () => {
    const layer = new McDropout({ rate: 0.5 });
    const x = tf.range(0, 100, 1, 'float32');
    setMcDropoutEnabled(false);
    expect(Array.from(run(layer, x))).toEqual(Array.from(x.dataSync()));
    x.dispose();
  });

  it('repeats masks for the same global seed and changes them for another', () => {
    const layer = new McDropout({ rate: 0.3 });
    const ones = tf.ones([256]);
    const sample = (seed: number) => {
      setMcDropoutSeed(seed);
      return [run(layer, ones), run(layer, ones)];
    };
    const [a1, a2] = sample(7);
    const [b1] = sample(7);
    const [c1] = sample(8);
    expect(b1).toEqual(a1);
    expect(a2).not.toEqual(a1); // successive calls draw fresh masks
    expect(c1).not.toEqual(a1);
    ones.dispose();
  });

  it('withMcDropoutSettings restores the previous switch and seed state', () => {
    const layer = new McDropout({ rate: 0.5 });
    const ones = tf.ones([128]);
    setMcDropoutSeed(3);
    const first = run(layer, ones);
    const inner = withMcDropoutSettings({ enabled: false, seed: 99 }, () => run(layer, ones));
    expect(inner.every((v) => v === 1)).toBe(true);
    const second = run(layer, ones);
    setMcDropoutSeed(3);
    run(layer, ones);
    expect(run(layer, ones)).toEqual(second); // the counter continued as if the inner call never happened
    expect(second).not.toEqual(first);
    ones.dispose();
  });

  it('survives a JSON round trip of a model with its rate and className', async () => {
    const x = input({ shape: [4] });
    const m = model({ inputs: x, outputs: new McDropout({ rate: 0.25, name: 'drop' }).apply(x) as never });
    const restored = await models.modelFromJSON({ modelTopology: m.toJSON(null, false) as never });
    const layer = restored.getLayer('drop');
    expect(layer).toBeInstanceOf(McDropout);
    expect(layer.getConfig()).toMatchObject({ rate: 0.25, alwaysOn: true });
  });
});
