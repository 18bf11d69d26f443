import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { McDropout } from './layers/mc-dropout.js';
import { useCpuBackend } from './test-utils.js';
import { convMultiplyAdds, createUnet } from './unet.js';
import { parseUnetConfig } from './unet-config.js';

describe('createUnet', () => {
  beforeAll(useCpuBackend);

  it('has the parameter count of the paper architecture for the default config', () => {
    const config = parseUnetConfig();
    const f = (level: number) => 32 * 2 ** (level - 1);
    const conv3 = (cin: number, cout: number) => 9 * cin * cout + cout;
    const bn = (c: number) => 4 * c; // gamma, beta, moving mean, moving variance
    let expected = 0;
    for (let level = 1; level <= 5; level++) {
      expected += conv3(level === 1 ? 1 : f(level - 1), f(level)) + conv3(f(level), f(level)) + 2 * bn(f(level));
    }
    for (let level = 1; level <= 4; level++) {
      const up = 2 * 2 * f(level + 1) * (f(level + 1) / 2) + f(level + 1) / 2;
      expected += up + conv3(2 * f(level), f(level)) + conv3(f(level), f(level)) + 2 * bn(f(level));
    }
    expected += f(1) + 1; // 1×1 head
    const model = createUnet(config);
    expect(model.countParams()).toBe(expected);
    expect(expected).toBeGreaterThan(7_000_000); // sanity: the 32→512 U-Net is ~7.8 M parameters
    model.dispose();
  });

  it('maps [n, s, s, 1] to probabilities of the same size with stable layer names', () => {
    const model = createUnet(parseUnetConfig({ inputSize: 32, levels: 3, baseFilters: 4, initSeed: 1 }));
    expect(model.outputs[0]?.shape).toEqual([null, 32, 32, 1]);
    const names = model.layers.map((l) => l.name);
    for (const name of ['enc1_conv1', 'enc1_bn1', 'enc1_relu1', 'enc1_conv2', 'pool1', 'drop_pool1', 'enc3_conv2']) {
      expect(names).toContain(name);
    }
    for (const name of ['up2', 'concat2', 'drop_concat2', 'dec2_conv1', 'up1', 'dec1_relu2', 'head']) {
      expect(names).toContain(name);
    }
    expect(model.layers.filter((l) => l instanceof McDropout).map((l) => l.name)).toEqual([
      'drop_pool1',
      'drop_pool2',
      'drop_concat2',
      'drop_concat1',
    ]);
    const out = tf.tidy(() => {
      const y = model.predict(tf.randomNormal([2, 32, 32, 1])) as tf.Tensor;
      return { shape: y.shape, values: y.dataSync() };
    });
    expect(out.shape).toEqual([2, 32, 32, 1]);
    expect(out.values.every((v) => v >= 0 && v <= 1)).toBe(true);
    model.dispose();
  });

  it('gives identical initial weights for the same initSeed', () => {
    const config = parseUnetConfig({ inputSize: 16, levels: 2, baseFilters: 2, initSeed: 5 });
    const [a, b] = [createUnet(config), createUnet(config)];
    const c = createUnet({ ...config, initSeed: 6 });
    const kernel = (m: typeof a) => m.getLayer('enc1_conv1').getWeights()[0]?.dataSync();
    expect(kernel(a)).toEqual(kernel(b));
    expect(kernel(a)).not.toEqual(kernel(c));
    for (const m of [a, b, c]) m.dispose();
  });
});

describe('convMultiplyAdds', () => {
  it('matches a hand count for a 4×4, 2-level, 2-filter U-Net', () => {
    const config = parseUnetConfig({ inputSize: 4, levels: 2, baseFilters: 2 });
    const enc1 = 16 * 9 * 1 * 2 + 16 * 9 * 2 * 2; // 288 + 576
    const enc2 = 4 * 9 * 2 * 4 + 4 * 9 * 4 * 4; // 288 + 576 on 2×2
    const up1 = 4 * (2 * 2) * 4 * 2; // 2×2 input pixels, each a 2×2 kernel of 4 → 2 channels: 128
    const dec1 = 16 * 9 * 4 * 2 + 16 * 9 * 2 * 2; // 1152 + 576
    const head = 16 * 2;
    expect(convMultiplyAdds(config)).toBe(enc1 + enc2 + up1 + dec1 + head);
    expect(convMultiplyAdds(config)).toBe(3616);
  });

  it('scales with the pixel count', () => {
    const small = parseUnetConfig({ inputSize: 64, levels: 3, baseFilters: 4 });
    expect(convMultiplyAdds({ ...small, inputSize: 128 })).toBe(4 * convMultiplyAdds(small));
  });
});
