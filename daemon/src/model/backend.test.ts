import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BACKEND_CANDIDATES, selectBackend } from './backend.js';
import { wasmTrainingKernelsRegistered } from './kernels/index.js';

describe('selectBackend', () => {
  it('falls through missing native packages and an unusable WebGPU to wasm with training kernels', async () => {
    const selection = await selectBackend({ purpose: 'train' });
    // tfjs-node(-gpu) cannot be installed here and webgpu (installed, optional) finds no GPU; where they work, they win.
    expect(['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm']).toContain(selection.name);
    expect(selection.reasons.map((r) => r.backend)).toEqual([...BACKEND_CANDIDATES]);
    const chosen = selection.reasons.filter((r) => r.why.startsWith('selected'));
    expect(chosen).toHaveLength(1);
    expect(chosen[0]?.backend).toBe(selection.name);
    for (const reason of selection.reasons.slice(0, BACKEND_CANDIDATES.indexOf(selection.name))) {
      expect(reason.available).toBe(false);
      expect(reason.why).toMatch(/^(not installed|failed to init)/);
    }
    if (selection.name === 'wasm') {
      expect(selection.tfjsBackend).toBe('wasm');
      expect(wasmTrainingKernelsRegistered()).toBe(true);
      const webgpu = selection.reasons.find((r) => r.backend === 'webgpu');
      // Either the optional package is absent, or Dawn is there and says why it cannot run (no adapter here).
      expect(webgpu?.why).toMatch(/not installed|failed to init: no (GPU driver|WebGPU adapter)/);
    }
  });

  it('honours prefer, listing the preferred backend first and the rest as not tried', async () => {
    const selection = await selectBackend({ prefer: 'cpu', purpose: 'infer' });
    expect(selection.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(selection.reasons[0]).toMatchObject({ backend: 'cpu', available: true });
    expect(selection.reasons.find((r) => r.backend === 'wasm')).toMatchObject({
      available: true,
      why: expect.stringMatching(/not tried/),
    });
  });

  it('loads the wasm binary from node_modules without network access', async () => {
    const selection = await selectBackend({ prefer: 'wasm' });
    expect(selection.name).toBe('wasm');
    const y = tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, 1, 'same');
    expect(Array.from(y.dataSync()).slice(0, 2)).toEqual([4, 6]);
  });

  it('rejects an unknown backend name', async () => {
    await expect(selectBackend({ prefer: 'tpu' })).rejects.toThrow(/unknown backend 'tpu'/);
  });
});
