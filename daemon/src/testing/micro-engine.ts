import { createModelEngine, type ReloadableModelEngine } from '../engine/model-engine.js';
import { selectBackend } from '../model/backend.js';
import { MICRO_PRESET } from './micro-preset.js';

/**
 * A micro-preset engine (tfjs-wasm, no onnxruntime) that can score at once: version 0 cannot, so it is fine-tuned
 * for one epoch on the top-left 64² patch of a grey image, labelled by `label(value in [0, 1])`. For tests that need
 * a real model behind a daemon, not a good one.
 */
export async function createScoringMicroEngine(options: {
  modelsDir: string;
  grey: { data: Uint8Array; width: number };
  label: (value: number) => 0 | 1;
}): Promise<ReloadableModelEngine> {
  await selectBackend({ purpose: 'train' });
  const engine = await createModelEngine({
    modelsDir: options.modelsDir,
    preset: MICRO_PRESET,
    tfjsBackend: 'wasm',
    onnx: false,
    log: () => {},
  });
  const size = 64;
  const { data, width } = options.grey;
  const patch = new Float32Array(size * size);
  for (let i = 0; i < patch.length; i++) patch[i] = data[Math.floor(i / size) * width + (i % size)]! / 255;
  await engine.train({
    patches: [{ slideId: 's', col: 0, row: 0, size }],
    loadPatch: async () => ({
      size,
      image: patch,
      labels: Uint8Array.from(patch, options.label),
      weight: new Uint8Array(size * size).fill(1),
    }),
    mode: 'finetune',
    epochs: 1,
    signal: new AbortController().signal,
    onProgress: () => {},
  });
  return engine;
}
