import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAcquisition } from '@activeseg/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../errors/api-error.js';
import { meanStdFactor } from '../inference/adaptive-mc.js';
import { selectBackend } from '../model/backend.js';
import { MICRO_PRESET } from '../testing/micro-preset.js';
import {
  CONTEXT_MARGIN,
  createModelEngine,
  cropSummary,
  edgeAdjustedScore,
  scoreCellInWindow,
} from './model-engine.js';
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

/** Saves version 1 in `modelsDir`: one scratch epoch on the fully annotated synthetic patch, which it returns. */
async function trainVersionOne(modelsDir: string, size: number) {
  const patch = syntheticPatch(size);
  const trainer = await createModelEngine({ modelsDir, preset, tfjsBackend: 'wasm', onnx: false });
  await trainer.train({
    patches: [{ slideId: 's', col: 0, row: 0, size }],
    loadPatch: async () => ({ size, ...patch, weight: new Uint8Array(size * size).fill(1) }),
    mode: 'scratch',
    epochs: 1,
    signal: new AbortController().signal,
    onProgress: () => {},
  });
  await trainer.dispose();
  return patch;
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

    // With context: the patch is the cell plus the margin the engine asks for, and the maps are the cell's.
    const margin = engine.contextMargin();
    expect(margin).toBe(CONTEXT_MARGIN / preset.scale);
    const window = new Float32Array((size + 2 * margin) ** 2).fill(0.7);
    for (let y = 0; y < size; y++)
      window.set(image.subarray(y * size, (y + 1) * size), (y + margin) * (size + 2 * margin) + margin);
    const withContext = await engine.scorePatch(window, size, new AbortController().signal, { margin });
    expect(withContext.mean).toHaveLength(size * size);
    expect(withContext.std).toHaveLength(size * size);
    const wrongSize = await engine
      .scorePatch(image, size, new AbortController().signal, { margin })
      .catch((e: unknown) => e);
    expect(String(wrongSize)).toMatch(/expected 256² values \(a 128² cell and 64 px of context\)/);

    const again = await createModelEngine({ modelsDir, preset, tfjsBackend: 'wasm', onnx: false });
    expect(again.modelVersion()).toBe(1);
    await engine.dispose();
    await again.dispose();
  });

  it('two cells scored at once share one onnxruntime worker, and dispose leaves no worker thread behind', async () => {
    const modelsDir = join(dir, 'models-concurrent');
    const size = 128;
    const { image } = await trainVersionOne(modelsDir, size);
    const ports = () =>
      (process as unknown as { _getActiveHandles(): object[] })
        ._getActiveHandles()
        .filter((h) => h.constructor.name === 'MessagePort').length;
    const before = ports();
    const engine = await createModelEngine({ modelsDir, preset, tfjsBackend: 'wasm' });
    const signal = new AbortController().signal;
    // The infer job keeps two cells in flight: both ask for the runner of the same window size before either has it.
    await Promise.all([engine.scorePatch(image, size, signal), engine.scorePatch(image, size, signal)]);
    expect(ports() - before).toBeLessThanOrEqual(1);
    await engine.dispose();
    // A leaked worker keeps the daemon's process alive after `serve` has closed everything else.
    await expect.poll(ports, { timeout: 5000 }).toBe(before);
  });

  it('runs a quick overview with fewer passes, its std map and score scaled to the full count, std scores only', async () => {
    const modelsDir = join(dir, 'models-overview');
    const size = 128;
    const { image } = await trainVersionOne(modelsDir, size);
    // tfjs draws its masks from the call's seed: three passes are the same three whatever the engine's full count.
    const three = await createModelEngine({ modelsDir, preset, tfjsBackend: 'wasm', onnx: false, mcPasses: 3 });
    const ten = await createModelEngine({ modelsDir, preset, tfjsBackend: 'wasm', onnx: false, mcPasses: 10 });
    const signal = new AbortController().signal;
    expect(ten.mcPasses?.()).toBe(10);
    const raw = await three.scorePatch(image, size, signal, { seed: 5 });
    const quick = await ten.scorePatch(image, size, signal, { seed: 5, passes: 3 });
    const factor = meanStdFactor(3, 10);
    expect(quick.passes).toBe(3);
    expect(raw.passes).toBeUndefined();
    expect(quick.mean).toEqual(raw.mean);
    expect(quick.score).toBeCloseTo(raw.score * factor, 6);
    expect(Math.max(...raw.std)).toBeGreaterThan(0);
    for (let i = 0; i < raw.std.length; i += 97)
      expect(quick.std[i]).toBeCloseTo(Math.min(0.5, raw.std[i]! * factor), 6);
    // Entropy is not a std: it gets the full count whatever is asked.
    const entropy = await ten.scorePatch(image, size, signal, { seed: 5, passes: 3, acquisition: 'entropy' });
    expect(entropy.passes).toBeUndefined();
    await three.dispose();
    await ten.dispose();
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

  it('crops a summary at an offset, its distance map included', () => {
    const s = {
      width: 3,
      height: 3,
      passes: 1,
      mean: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]),
      std: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]),
      distance: Float32Array.from([9, 8, 7, 6, 5, 4, 3, 2, 1]),
    };
    const c = cropSummary(s, 2, 1, { x: 1, y: 1 });
    expect([...c.mean]).toEqual([5, 6]);
    expect([...(c.distance ?? [])]).toEqual([5, 4]);
  });

  it("weights a cell's uncertainty by distances measured in its context window, not to the cell's border", () => {
    // A 10² window, background in columns 0–1 and foreground elsewhere, std 1; the 6² cell at (2, 2) is all
    // foreground. Its true EDT is the distance to column 1: 1…6 across the cell's columns, mean 3.5.
    const n = 10;
    const mean = new Float32Array(n * n).map((_, i) => (i % n < 2 ? 0.1 : 0.9));
    const window = { width: n, height: n, passes: 1, mean, std: new Float32Array(n * n).fill(1) };
    const uncertainty = getAcquisition('uncertainty');
    const cell = { margin: 2, size: 6, valid: { width: 6, height: 6 } };
    expect(scoreCellInWindow(window, cell, uncertainty)).toBeCloseTo(3.5, 6);
    // Cut out first, the cell has no background and its distances are to its own border instead.
    const alone = cropSummary(window, 6, 6, { x: 2, y: 2 });
    expect(scoreCellInWindow(alone, { ...cell, margin: 0 }, uncertainty)).not.toBeCloseTo(3.5, 1);
    // The on-slide part of an edge cell still counts by its share of the cell.
    const edge = { ...cell, valid: { width: 3, height: 6 } };
    expect(scoreCellInWindow(window, edge, uncertainty)).toBeCloseTo(((1 + 2 + 3) / 3) * (18 / 36), 6);
  });

  it('scores an edge sliver by its share of the patch, so a 3-pixel strip does not outrank a whole patch', () => {
    expect(edgeAdjustedScore(0.09, 'uncertainty', 3 / 256)).toBeCloseTo(0.09 * (3 / 256), 12);
    expect(edgeAdjustedScore(0.05, 'uncertainty', 1)).toBe(0.05);
    expect(edgeAdjustedScore(0.09, 'uncertainty', 3 / 256)).toBeLessThan(edgeAdjustedScore(0.03, 'entropy', 1));
    expect(edgeAdjustedScore(0.4, 'random', 0.01)).toBe(0.4);
  });
});
