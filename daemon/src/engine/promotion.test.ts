import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../errors/api-error.js';
import { selectBackend } from '../model/backend.js';
import { MICRO_PRESET } from '../testing/micro-preset.js';
import { splitAnnotatedPatches } from '../training/annotated-split.js';
import { createModelEngine, type ReloadableModelEngine } from './model-engine.js';
import type { TrainingPatch, TrainingPatchRef } from './model-engine-api.js';
import { versionDir } from './model-store.js';

const preset = MICRO_PRESET;
/** Slide cells of 64² become one 32² patch each at the micro preset's ½ scale, so the engine's split is per cell. */
const CELL = 64;
const CELLS = 15;
const SEED = 1;

/** Dark rings on a bright background, shifted per cell so no two cells are the same picture. */
function cell(i: number, inverted: boolean): TrainingPatch {
  const image = new Float32Array(CELL * CELL);
  const labels = new Uint8Array(CELL * CELL);
  for (let y = 0; y < CELL; y++) {
    for (let x = 0; x < CELL; x++) {
      const r = Math.hypot(((x + 3 * i) % 32) - 16, ((y + 5 * i) % 32) - 16);
      const ring = r > 6 && r < 11 ? 1 : 0;
      labels[y * CELL + x] = inverted ? 1 - ring : ring;
      image[y * CELL + x] = ring ? 0.2 : 0.75 + 0.05 * Math.sin(x * y + i);
    }
  }
  return { size: CELL, image, labels, weight: new Uint8Array(CELL * CELL).fill(1) };
}

const refs: TrainingPatchRef[] = Array.from({ length: CELLS }, (_, i) => ({
  slideId: 's',
  col: i,
  row: 0,
  size: CELL,
}));
/** The cells the engine holds out for validation (its split is seeded by the engine's seed). */
const valCells = new Set(splitAnnotatedPatches(refs, SEED).val.map((r) => r.col));

const train = (engine: ReloadableModelEngine, mode: 'finetune' | 'scratch', badTraining: boolean, epochs: number) =>
  engine.train({
    patches: refs,
    // The bad run: every training cell's labels are inverted (strokes on the wrong class); the held-out cells are right.
    loadPatch: async (ref) => cell(ref.col, badTraining && !valCells.has(ref.col)),
    mode,
    epochs,
    signal: new AbortController().signal,
    onProgress: () => {},
  });

describe('model promotion rule', () => {
  let dir: string;
  let modelsDir: string;
  let engine: ReloadableModelEngine;
  beforeAll(async () => {
    await selectBackend({ purpose: 'train' });
    dir = await mkdtemp(join(tmpdir(), 'activeseg-promotion-'));
    modelsDir = join(dir, 'models');
    engine = await createModelEngine({ modelsDir, preset, tfjsBackend: 'wasm', onnx: false, seed: SEED });
  });
  afterAll(async () => {
    await engine.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('labels the first model scratch even when fine-tuning was asked, and makes it current', async () => {
    expect(valCells.size).toBe(3);
    const first = await train(engine, 'finetune', false, 12);
    expect(first).toMatchObject({ modelVersion: 1, mode: 'scratch', parentVersion: null, promoted: true });
    expect(first.comparedWith).toBeNull();
    expect(first.valDice).toBeGreaterThan(0.5);
    expect(engine.modelVersion()).toBe(1);
  }, 120_000);

  it('stores a model trained on inverted labels but keeps the better current one, with a warning', async () => {
    const bad = await train(engine, 'scratch', true, 6);
    expect(bad.modelVersion).toBe(2);
    expect(bad.mode).toBe('scratch');
    expect(bad.parentVersion).toBeNull();
    expect(bad.promoted).toBe(false);
    expect(bad.comparedWith?.version).toBe(1);
    // The comparison is on the new run's own validation cells: the current model is scored there, not quoted.
    expect(bad.valDice).toBeLessThan(bad.comparedWith?.valDice as number);
    expect(bad.warning).toMatch(/^v2 scored Dice 0\.\d{3} on its 3 validation patches, below the current v1's/);
    expect(engine.modelVersion()).toBe(1);
    const manifest = JSON.parse(await readFile(join(versionDir(modelsDir, 2), 'bundle.json'), 'utf8'));
    expect(manifest.trainingInfo).toMatchObject({ mode: 'scratch', parentVersion: null, promoted: false });

    const restarted = await createModelEngine({ modelsDir, preset, tfjsBackend: 'wasm', onnx: false });
    expect(restarted.modelVersion()).toBe(1);
    await restarted.dispose();
  }, 120_000);

  it('promotes a kept-aside version on request and rolls back to an older one, both surviving a restart', async () => {
    expect(await engine.promote(2)).toEqual({ current: 2, previous: 1 });
    expect(engine.modelVersion()).toBe(2);
    const afterPromote = await createModelEngine({ modelsDir, preset, tfjsBackend: 'wasm', onnx: false });
    expect(afterPromote.modelVersion()).toBe(2);
    await afterPromote.dispose();

    // A rollback while a patch is being scored: the scoring finishes on the model it started with.
    const scoring = engine.scorePatch(cell(0, false).image, CELL, new AbortController().signal);
    expect(await engine.promote(1)).toEqual({ current: 1, previous: 2 });
    expect((await scoring).mean).toHaveLength(CELL * CELL);
    expect(engine.modelVersion()).toBe(1);
    const afterRollback = await createModelEngine({ modelsDir, preset, tfjsBackend: 'wasm', onnx: false });
    expect(afterRollback.modelVersion()).toBe(1);
    await afterRollback.dispose();
  }, 120_000);

  it('refuses an unknown version (MODEL_VERSION_UNKNOWN) and an unreadable one (MODEL_VERSION_UNREADABLE)', async () => {
    const unknown = await engine.promote(99).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ApiError);
    expect(unknown).toMatchObject({ code: 'MODEL_VERSION_UNKNOWN', field: 'version' });
    expect((unknown as ApiError).message).toMatch(/no model version 99 in this project \(versions 1, 2\)/);

    await mkdir(versionDir(modelsDir, 3), { recursive: true });
    await writeFile(join(versionDir(modelsDir, 3), 'bundle.json'), '{ torn');
    const torn = await engine.promote(3).catch((e: unknown) => e);
    expect(torn).toMatchObject({ code: 'MODEL_VERSION_UNREADABLE' });
    expect(engine.modelVersion()).toBe(1);
  });

  it('a training that scores at least as well as the current model is promoted', async () => {
    const good = await train(engine, 'finetune', false, 4);
    expect(good.modelVersion).toBe(4);
    expect(good.comparedWith?.version).toBe(1);
    expect(good.valDice).toBeGreaterThanOrEqual(good.comparedWith?.valDice as number);
    expect(good.promoted).toBe(true);
    expect(engine.modelVersion()).toBe(4);
  }, 120_000);
});
