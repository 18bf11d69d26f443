import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../errors/api-error.js';
import { selectBackend } from '../model/backend.js';
import { MICRO_PRESET } from '../testing/micro-preset.js';
import { createModelEngine, cropSummary, edgeAdjustedScore } from './model-engine.js';
import { versionDir, writeCurrentVersion } from './model-store.js';

const preset = MICRO_PRESET;

/** A 128² "slide patch" with bright rings on a dark background, and its ring labels. */
function syntheticPatch(size: number) {
  const image = new Float32Array(size * size);
  const labels = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const r = Math.hypot((x % 32) - 16, (y % 32) - 16);
      const ring = r > 7 && r < 11 ? 1 : 0;
      labels[y * size + x] = ring;
      image[y * size + x] = ring ? 0.2 : 0.7 + 0.05 * Math.sin(x * y);
    }
  }
  return { image, labels };
}

describe('createModelEngine', () => {
  let dir: string;
  beforeAll(async () => {
    await selectBackend({ purpose: 'train' });
    dir = await mkdtemp(join(tmpdir(), 'activeseg-engine-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to score before any model exists, with MODEL_NOT_READY', async () => {
    const engine = await createModelEngine({ modelsDir: join(dir, 'empty'), preset, tfjsBackend: 'wasm', onnx: false });
    expect(engine.modelVersion()).toBe(0);
    const err = await engine
      .scorePatch(new Float32Array(64 * 64), 64, new AbortController().signal)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('MODEL_NOT_READY');
  });

  it('trains from annotated patches, saves version 1, scores slide-sized patches and reloads the version', async () => {
    const modelsDir = join(dir, 'models');
    const engine = await createModelEngine({ modelsDir, preset, tfjsBackend: 'wasm', onnx: false });
    const size = 128;
    const { image, labels } = syntheticPatch(size);
    const weight = new Uint8Array(size * size);
    // Only the left half is annotated: the right half must not train.
    for (let y = 0; y < size; y++) for (let x = 0; x < size / 2; x++) weight[y * size + x] = 1;
    const progress: number[] = [];
    const result = await engine.train({
      patches: [{ slideId: 's', col: 0, row: 0, size }],
      loadPatch: async () => ({ size, image, labels, weight }),
      mode: 'finetune',
      epochs: 2,
      signal: new AbortController().signal,
      onProgress: (p) => progress.push(p.epoch),
    });
    expect(result.modelVersion).toBe(1);
    expect(progress).toEqual([1, 2]);
    expect(engine.modelVersion()).toBe(1);

    const scored = await engine.scorePatch(image, size, new AbortController().signal, {
      valid: { width: 100, height: 128 },
    });
    expect(scored.mean).toHaveLength(size * size);
    expect(scored.std).toHaveLength(size * size);
    expect(Number.isFinite(scored.score)).toBe(true);
    expect(Math.max(...scored.std)).toBeGreaterThan(0);

    const again = await createModelEngine({ modelsDir, preset, tfjsBackend: 'wasm', onnx: false });
    expect(again.modelVersion()).toBe(1);
    await engine.dispose();
    await again.dispose();
  });

  it('skips a corrupt current version and falls back to the last readable one', async () => {
    const modelsDir = join(dir, 'models');
    await mkdir(versionDir(modelsDir, 2), { recursive: true });
    await writeFile(join(versionDir(modelsDir, 2), 'bundle.json'), '{ not json');
    await writeCurrentVersion(modelsDir, 2);
    const logs: string[] = [];
    const engine = await createModelEngine({
      modelsDir,
      preset,
      tfjsBackend: 'wasm',
      onnx: false,
      log: (m) => logs.push(m),
    });
    expect(engine.modelVersion()).toBe(1);
    expect(logs.join('\n')).toMatch(/version 2 is unreadable/);
    await engine.dispose();
  });

  it('crops a Monte-Carlo summary to the real part of an edge patch, every pass included', () => {
    const s = {
      width: 3,
      height: 2,
      passes: 2,
      mean: Float32Array.from([1, 2, 3, 4, 5, 6]),
      std: Float32Array.from([1, 1, 9, 1, 1, 9]),
      probs: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    };
    const c = cropSummary(s, 2, 2);
    expect([...c.mean]).toEqual([1, 2, 4, 5]);
    expect([...c.std]).toEqual([1, 1, 1, 1]);
    expect([...(c.probs ?? [])]).toEqual([1, 2, 4, 5, 7, 8, 10, 11]);
  });

  it('scores an edge sliver by its share of the patch, so a 3-pixel strip does not outrank a whole patch', () => {
    expect(edgeAdjustedScore(0.09, 'uncertainty', 3 / 256)).toBeCloseTo(0.09 * (3 / 256), 12);
    expect(edgeAdjustedScore(0.05, 'uncertainty', 1)).toBe(0.05);
    expect(edgeAdjustedScore(0.09, 'uncertainty', 3 / 256)).toBeLessThan(edgeAdjustedScore(0.03, 'entropy', 1));
    expect(edgeAdjustedScore(0.4, 'random', 0.01)).toBe(0.4);
  });
});
