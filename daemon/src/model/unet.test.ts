import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { McDropout } from './layers/mc-dropout.js';
import { useCpuBackend } from './test-utils.js';
import { createUnet } from './unet.js';
import { parseUnetConfig } from './unet-config.js';
import { unetMultiplyAdds, unetSpec } from './unet-spec.js';

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

describe('createUnet follows unetSpec', () => {
  beforeAll(useCpuBackend);

  // A variant no preset uses: 4 levels, base 12, odd-sized 48² input, no dropout in the decoder.
  const variant = parseUnetConfig({ inputSize: 48, levels: 4, baseFilters: 12, decoderDropout: false, initSeed: 2 });
  const configs = [
    ['the tiny preset', parseUnetConfig({ inputSize: 64, levels: 3, baseFilters: 8 })],
    ['4 levels, base 12, no decoder dropout', variant],
  ] as const;

  for (const [label, config] of configs) {
    it(`has one layer per spec layer with the spec's name and output shape (${label})`, () => {
      const model = createUnet(config);
      const spec = unetSpec(config);
      expect(model.layers.map((l) => l.name).sort()).toEqual(spec.map((l) => l.name).sort());
      for (const layer of spec) {
        expect(model.getLayer(layer.name).outputShape, layer.name).toEqual([null, ...layer.shape]);
      }
      model.dispose();
    });

    it(`has the spec's trainable weights in the spec's order and shapes (${label})`, () => {
      const model = createUnet(config);
      const fromModel = model.trainableWeights.map((w) => [w.originalName, w.shape]);
      const fromSpec = unetSpec(config).flatMap((layer) =>
        layer.weights.map((w) => [`${layer.name}/${w.weight}`, [...w.shape]]),
      );
      expect(fromModel).toEqual(fromSpec);
      model.dispose();
    });

    it(`gives the multiply-adds that the tfjs layers' static shapes give (${label})`, () => {
      const model = createUnet(config);
      expect(unetMultiplyAdds(unetSpec(config))).toBe(multiplyAddsFromLayers(model));
      model.dispose();
    });
  }

  it('leaves the dropout out of the decoder only, and the initial weights of the shared layers unchanged', () => {
    const withDecoderDropout = createUnet({ ...variant, decoderDropout: true });
    const without = createUnet(variant);
    const dropouts = (m: typeof without) => m.layers.filter((l) => l instanceof McDropout).map((l) => l.name);
    expect(dropouts(without)).toEqual(['drop_pool1', 'drop_pool2', 'drop_pool3']);
    expect(dropouts(withDecoderDropout)).toEqual([
      'drop_pool1',
      'drop_pool2',
      'drop_pool3',
      'drop_concat3',
      'drop_concat2',
      'drop_concat1',
    ]);
    const kernel = (m: typeof without) => m.getLayer('dec1_conv2').getWeights()[0]?.dataSync();
    expect(kernel(without)).toEqual(kernel(withDecoderDropout));
    withDecoderDropout.dispose();
    without.dispose();
  });
});

/** Conv and transposed-conv multiply-adds read off a built tfjs model (kernels and connected shapes). */
function multiplyAddsFromLayers(model: ReturnType<typeof createUnet>): number {
  let total = 0;
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className !== 'Conv2D' && className !== 'Conv2DTranspose') continue;
    const numbers = (shape: readonly (number | null)[] | undefined) => (shape ?? []).map((d) => d ?? 0);
    const [, inH = 0, inW = 0, inC = 0] = numbers(layer.inboundNodes[0]?.inputTensors[0]?.shape);
    const [, outH = 0, outW = 0, outC = 0] = numbers(layer.inboundNodes[0]?.outputTensors[0]?.shape);
    const [kH = 0, kW = 0] = numbers(layer.getWeights()[0]?.shape);
    // A conv's output value sums kH·kW·Cin products; a transposed conv's input value scatters into kH·kW·Cout.
    total += className === 'Conv2D' ? outH * outW * outC * kH * kW * inC : inH * inW * inC * kH * kW * outC;
  }
  return total;
}
