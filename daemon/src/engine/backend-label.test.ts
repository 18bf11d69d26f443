import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../model/backend.js';
import { createUnet, parseUnetConfig } from '../model/index.js';
import { MICRO_PRESET } from '../testing/micro-preset.js';
import { backendLabel } from './backend-label.js';
import { createModelEngine } from './model-engine.js';

describe('backend label', () => {
  it('names what runs MC inference and what runs training, tfjs with its backend', () => {
    expect(backendLabel({ mc: 'onnxruntime-cpu', training: 'onnxruntime', tfjsBackend: 'wasm' })).toBe(
      'onnxruntime cpu (MC) · onnxruntime graph (training)',
    );
    expect(backendLabel({ mc: 'tfjs', training: 'tfjs', tfjsBackend: 'tensorflow' })).toBe(
      'tfjs tensorflow (MC) · tfjs tensorflow (training)',
    );
  });

  it('is the same before the first patch is scored and after (a page connecting at any time reads one label)', async () => {
    const backend = await selectBackend({ purpose: 'train' });
    const dir = await mkdtemp(join(tmpdir(), 'activeseg-label-'));
    const engine = await createModelEngine({
      modelsDir: join(dir, 'models'),
      preset: MICRO_PRESET,
      tfjsBackend: backend.name,
    });
    try {
      const config = parseUnetConfig({ ...MICRO_PRESET.unet, initSeed: 1 });
      await engine.adopt({ model: createUnet(config), config, normalization: { mean: 120, std: 60 } }, {});
      const before = engine.backendName;
      // The CPU backends train on onnxruntime's graph (train-step-engine's 'auto'); onnxruntime-node is a dependency.
      expect(before).toBe('onnxruntime cpu (MC) · onnxruntime graph (training)');
      await engine.scorePatch(new Float32Array(64 * 64).fill(0.5), 64, new AbortController().signal);
      expect(engine.backendName).toBe(before);
    } finally {
      await engine.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
