import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend.js';
import { setMcDropoutEnabled } from '../layers/mc-dropout.js';
import { createUnet } from '../unet.js';
import { parseUnetConfig } from '../unet-config.js';
import {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  WASM_TRAINING_KERNELS,
  wasmTrainingKernelsRegistered,
} from './index.js';

type Pad = 'same' | 'valid';

/** Runs `fn` on wasm and on cpu with the same inputs (made fresh on each backend from plain arrays). */
async function onBothBackends(fn: () => tf.Tensor[]): Promise<{ wasm: Float32Array[]; cpu: Float32Array[] }> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(fn).map((t) => {
      const values = t.dataSync() as Float32Array;
      t.dispose();
      return Float32Array.from(values);
    });
  };
  const wasm = await run('wasm');
  const cpu = await run('cpu');
  await tf.setBackend('wasm');
  return { wasm, cpu };
}

/** max |a − b| ≤ 1e-3 · max(1, max |b|): relative to the gradient's scale, absolute near zero. */
function expectClose(actual: Float32Array[], expected: Float32Array[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, k) => {
    const b = expected[k] as Float32Array;
    expect(a.length).toBe(b.length);
    let maxDiff = 0;
    let scale = 1;
    for (let i = 0; i < a.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
      scale = Math.max(scale, Math.abs(b[i] as number));
    }
    expect(maxDiff, `output ${k}: max diff ${maxDiff} at scale ${scale}`).toBeLessThanOrEqual(1e-3 * scale);
  });
}

/** Deterministic pseudo-random data, identical on every backend. */
function data(shape: number[], seed: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  let s = seed;
  for (let i = 0; i < size; i++) {
    s = (s * 1664525 + 1013904223) % 4294967296;
    values[i] = s / 4294967296 - 0.5;
  }
  return tf.tensor(values, shape);
}

beforeAll(async () => {
  const selection = await selectBackend({ prefer: 'wasm', purpose: 'train' });
  expect(selection.name).toBe('wasm');
});

describe('wasm training kernels', () => {
  it('registers every kernel, idempotently', () => {
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(wasmTrainingKernelsRegistered()).toBe(true);
    for (const name of WASM_TRAINING_KERNELS) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });

  const convCases: [string, number[], number[], number, Pad][] = [
    ['3×3 stride 1 same', [2, 9, 9, 3], [3, 3, 3, 4], 1, 'same'],
    ['3×3 stride 1 valid', [2, 8, 7, 2], [3, 3, 2, 5], 1, 'valid'],
    ['3×3 stride 2 same', [2, 9, 9, 3], [3, 3, 3, 4], 2, 'same'],
    ['3×3 stride 2 valid', [1, 10, 9, 4], [3, 3, 4, 3], 2, 'valid'],
    ['2×2 stride 2 same', [3, 8, 8, 4], [2, 2, 4, 6], 2, 'same'],
    ['1×1 stride 1', [2, 5, 5, 3], [1, 1, 3, 2], 1, 'same'],
    ['3×3 stride 1 same, 8² map, wide channels', [2, 8, 8, 24], [3, 3, 24, 16], 1, 'same'],
    ['3×3 stride 1 same, 32² map', [2, 32, 32, 4], [3, 3, 4, 8], 1, 'same'],
  ];

  it.each(convCases)('conv2d gradients match the cpu backend: %s', async (_label, xShape, wShape, stride, pad) => {
    const { wasm, cpu } = await onBothBackends(() => {
      const x = data(xShape, 1);
      const w = data(wShape, 2);
      const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad);
      const r = data(y.shape, 3);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), r)),
      )([x, w]) as [tf.Tensor, tf.Tensor];
      return [y, dx, dw];
    });
    expectClose(wasm, cpu);
  });

  it.each(convCases)(
    'conv2dTranspose forward and gradients match the cpu backend: %s',
    async (_l, xShape, wShape, stride, pad) => {
      const [n = 1, h = 1, w = 1, cin = 1] = xShape;
      const [fh = 1, fw = 1, , cout = 1] = wShape;
      const outH = pad === 'same' ? Math.ceil(h / stride) : Math.ceil((h - fh + 1) / stride);
      const outW = pad === 'same' ? Math.ceil(w / stride) : Math.ceil((w - fw + 1) / stride);
      const { wasm, cpu } = await onBothBackends(() => {
        // conv2dTranspose maps the conv's output grid back to its input grid: x here is [n, outH, outW, cout].
        const x = data([n, outH, outW, cout], 4);
        const filter = data([fh, fw, cin, cout], 5);
        const shape: [number, number, number, number] = [n, h, w, cin];
        const y = tf.conv2dTranspose(x as tf.Tensor4D, filter as tf.Tensor4D, shape, stride, pad);
        const r = data(y.shape, 6);
        const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, shape, stride, pad), r)),
        )([x, filter]) as [tf.Tensor, tf.Tensor];
        return [y, dx, df];
      });
      expectClose(wasm, cpu);
    },
  );

  it('rejects dilation and NCHW with a clear error', () => {
    const x = tf.zeros([1, 6, 6, 2]);
    const dy = tf.zeros([1, 6, 6, 3]);
    const run = (attrs: Record<string, unknown>) => () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: 1,
        pad: 'same',
        dataFormat: 'NHWC',
        filterShape: [3, 3, 2, 3],
        ...attrs,
      } as unknown as tf.NamedAttrMap);
    expect(run({ dilations: 2 })).toThrow(/only dilation 1/);
    expect(run({ dataFormat: 'NCHW' })).toThrow(/only dataFormat 'NHWC'/);
    tf.dispose([x, dy]);
  });

  it('batch-norm gradients (moments + batchNorm, as tfjs-layers trains) match tfjs’s own gradient on cpu', async () => {
    const bnGrads = () => {
      const x = data([3, 6, 5, 7], 7);
      const gamma = tf.add(data([7], 8), 1);
      const beta = data([7], 9);
      const r = data([3, 6, 5, 7], 10);
      const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        return tf.sum(tf.mul(tf.batchNorm(a, mean, variance, b, g, 1e-3), r));
      };
      return tf.grads(f)([x, gamma, beta]);
    };
    const ours = await onBothBackends(bnGrads);
    // Reference: the stock FusedBatchNorm gradient (with its Tile), restored for this one run.
    unregisterWasmTrainingKernels();
    try {
      const stock = await onBothBackends(bnGrads);
      expectClose(ours.wasm, stock.cpu);
      expectClose(ours.cpu, stock.cpu);
    } finally {
      registerWasmTrainingKernels();
    }
    expect(wasmTrainingKernelsRegistered()).toBe(true);
  });

  it('channel concat, split, max-pool gradient and clone match the cpu backend', async () => {
    const { wasm, cpu } = await onBothBackends(() => {
      const a = data([2, 6, 6, 3], 11);
      const b = data([2, 6, 6, 5], 12);
      const r = data([2, 3, 3, 8], 13);
      const cat = tf.concat([a, b], -1);
      const [s1, s2] = tf.split(cat, [3, 5], 3) as [tf.Tensor, tf.Tensor];
      const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.mul(tf.maxPool(tf.concat([p, q], -1) as tf.Tensor4D, 2, 2, 'valid'), r)),
      )([a, b]) as [tf.Tensor, tf.Tensor];
      const padded = tf.grad((p: tf.Tensor) => tf.sum(tf.maxPool(p as tf.Tensor4D, 3, 2, 'same')))(a);
      return [cat, s1, s2, da, db, padded, tf.clone(a), tf.cast(a, 'float32')];
    });
    expectClose(wasm, cpu);
  });

  it('trains the U-Net on wasm with the same gradients as the cpu backend', async () => {
    const config = parseUnetConfig({ inputSize: 32, levels: 3, baseFilters: 4, dropoutRate: 0.2, initSeed: 3 });
    const x = Array.from(data([2, 32, 32, 1], 14).dataSync());
    const y = Array.from(data([2, 32, 32, 1], 15).dataSync()).map((v) => (v > 0 ? 1 : 0));
    // Dropout off so both backends see the same network; the weights come from the seeded initialisers.
    setMcDropoutEnabled(false);
    try {
      const gradsOn = async (backend: string) => {
        await tf.setBackend(backend);
        const model = createUnet(config);
        const { value, grads } = tf.variableGrads(
          () => {
            const p = tf.clipByValue(
              model.apply(tf.tensor4d(x, [2, 32, 32, 1]), { training: true }) as tf.Tensor,
              1e-7,
              1 - 1e-7,
            );
            const t = tf.tensor4d(y, [2, 32, 32, 1]);
            return tf.neg(
              tf.mean(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, p))))),
            ) as tf.Scalar;
          },
          model.trainableWeights.map((w) => w.read() as tf.Variable),
        );
        const names = model.trainableWeights.map((w) => (w.read() as tf.Variable).name);
        const out = [
          Float32Array.from(value.dataSync()),
          ...names.map((n) => {
            const g = grads[n];
            if (g === undefined) throw new Error(`no gradient for ${n}`);
            return Float32Array.from(g.dataSync());
          }),
        ];
        tf.dispose([value, ...Object.values(grads)]);
        model.dispose();
        return out;
      };
      const wasm = await gradsOn('wasm');
      const cpu = await gradsOn('cpu');
      await tf.setBackend('wasm');
      expect(Number.isFinite(wasm[0]?.[0])).toBe(true);
      expectClose(wasm, cpu);
    } finally {
      setMcDropoutEnabled(true);
    }
  });
});
