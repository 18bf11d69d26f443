import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUnet } from '../model/unet.js';
import { parseUnetConfig } from '../model/unet-config.js';
import { exportOnnx } from './export-onnx.js';
import { createOnnxMcSession } from './onnx-mc-session.js';

const SIZE = 32;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('exportOnnx with a dropout seed', () => {
  const model = () =>
    createUnet(parseUnetConfig({ inputSize: SIZE, levels: 3, baseFilters: 4, dropoutRate: 0.2, initSeed: 3 }));
  const patch = Float32Array.from({ length: SIZE * SIZE }, (_, i) => Math.sin(i / 7));

  it('repeats the same Monte-Carlo sequence in a fresh session, while passes within a session still differ', async () => {
    const m = model();
    const bytes = exportOnnx(m, { mcDropout: true, seed: 11 });
    const a = await createOnnxMcSession({ model: bytes, intraOpThreads: 1 });
    const b = await createOnnxMcSession({ model: bytes, intraOpThreads: 1 });
    const ra = await a.mcPredict(patch, SIZE, { passes: 6, batchSize: 3, keepProbs: true });
    const rb = await b.mcPredict(patch, SIZE, { passes: 6, batchSize: 3, keepProbs: true });
    expect([...(ra.probs ?? [])]).toEqual([...(rb.probs ?? [])]);
    const px = SIZE * SIZE;
    const first = ra.probs?.subarray(0, px) ?? new Float32Array();
    const second = ra.probs?.subarray(px, 2 * px) ?? new Float32Array();
    expect([...first]).not.toEqual([...second]);
    const other = await createOnnxMcSession({ model: exportOnnx(m, { mcDropout: true, seed: 12 }), intraOpThreads: 1 });
    const rc = await other.mcPredict(patch, SIZE, { passes: 6, batchSize: 3 });
    expect([...rc.mean]).not.toEqual([...ra.mean]);
    await Promise.all([a.dispose(), b.dispose(), other.dispose()]);
    m.dispose();
  });
});
