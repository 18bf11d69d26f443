import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

/**
 * The daemon's onnxruntime runner takes no seed (its dropout masks come from a per-session RNG), so two daemon runs
 * differ. To compare engines without flakiness, every runner the model engine creates gets this session seed; the
 * rest of createMcRunner, and everything around it, is the daemon's own code.
 */
const runnerSeed = vi.hoisted(() => ({ value: 1 }));
vi.mock('../../daemon/src/inference/create-mc-runner.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../daemon/src/inference/create-mc-runner.js')>();
  const createMcRunner: typeof actual.createMcRunner = (model, options = {}) =>
    actual.createMcRunner(model, { ...options, seed: options.seed ?? runnerSeed.value });
  return { ...actual, createMcRunner };
});

import { medianRelativeDifference, overlap, spearman } from '@activeseg/shared';
import { bootstrapDemoModel } from '../../daemon/src/cli/bootstrap-demo-model.js';
import { DEMO_DATA_DIR } from '../../daemon/src/cli/demo-paths.js';
import { parseConfig } from '../../daemon/src/config.js';
import { createModelEngine, type ReloadableModelEngine } from '../../daemon/src/engine/model-engine.js';
import { gridCells, runInference } from '../../daemon/src/jobs/infer-job.js';
import { selectBackend } from '../../daemon/src/model/backend.js';
import { createProjectPaths } from '../../daemon/src/project/project-paths.js';
import { loadSharpSlideSource } from '../../daemon/src/slides/sharp-slide-source.js';
import { openStore } from '../../daemon/src/store/db.js';
import { PRESETS } from '../../daemon/src/training/presets.js';

/** The daemon's demo slide (serve-command.ts), held out of the first model's training by bootstrapDemoModel. */
const DEMO_SLIDE = 'sub-rat8_sample-V915';
/** 1541 × 1096 px at 512² is a 4 × 3 grid: 12 patches, so 5 suggestions (the viewer asks for 20, i.e. all of them). */
const SUGGESTIONS = 5;
/** Enough for a model with structure in its uncertainty (val Dice ≈ 0.72), about 8 s on two cores. */
const EPOCHS = 8;

interface SlideRun {
  /** Score of every grid cell, row by row. */
  scores: number[];
  /** What `GET /api/suggestions?k=5` lists, as "col,row". */
  suggestions: string[];
}

/**
 * Scores the demo slide's whole patch grid through the infer job's own path (runInference → ReloadableModelEngine.scorePatch →
 * the project store), once per engine, and compares the lists `GET /api/suggestions` would return. Seeds are fixed
 * (training, onnxruntime sessions, tfjs per-patch seeds), so repeated runs give bit-identical scores.
 */
describe('tfjs and onnxruntime Monte-Carlo engines', () => {
  it('suggest the same patches of the demo slide, as closely as two onnxruntime seeds agree', async () => {
    const backend = await selectBackend({ purpose: 'train' });
    const dir = await mkdtemp(join(tmpdir(), 'activeseg-same-suggestions-'));
    const config = parseConfig({});
    const preset = PRESETS.tiny;
    const modelsDir = join(dir, 'models');
    const engines: ReloadableModelEngine[] = [];
    const store = openStore(dir);
    try {
      const tfjs = await createModelEngine({ modelsDir, preset, tfjsBackend: backend.name, onnx: false });
      engines.push(tfjs);
      await bootstrapDemoModel({
        engine: tfjs,
        dataDir: DEMO_DATA_DIR,
        preset,
        excludeImage: DEMO_SLIDE,
        epochs: EPOCHS,
      });
      const onnx = await createModelEngine({ modelsDir, preset, tfjsBackend: backend.name, onnx: true });
      engines.push(onnx);
      expect(onnx.modelVersion()).toBe(1);

      const slidePath = join(DEMO_DATA_DIR, 'images', `${DEMO_SLIDE}.png`);
      const source = await loadSharpSlideSource(slidePath);
      const cells = gridCells(source, config.patchSize);
      const paths = createProjectPaths(dir);

      /** One infer job over the whole slide, as the daemon runs it, filed under its own slide id. */
      const scoreSlide = async (engine: ReloadableModelEngine, slideId: string, seed: number): Promise<SlideRun> => {
        store.slides.insert({
          id: slideId,
          name: DEMO_SLIDE,
          sourcePath: slidePath,
          readPath: slidePath,
          width: source.width,
          height: source.height,
          format: source.format,
          createdAt: new Date().toISOString(),
        });
        runnerSeed.value = seed;
        await engine.reload(); // a fresh runner, made with this seed
        const result = await runInference({
          slideId,
          source,
          engine,
          scores: store.scores,
          paths,
          patchSize: config.patchSize,
          blankPatchStd: config.blankPatchStd,
          signal: new AbortController().signal,
          onProgress: () => {},
          onPatchScored: () => {},
        });
        expect(result.scored).toBe(cells.length);
        return {
          scores: cells.map(({ col, row }) => store.scores.get(slideId, result.modelVersion, col, row)?.score ?? NaN),
          suggestions: store.scores
            .topUnannotated(slideId, result.modelVersion, SUGGESTIONS)
            .map((r) => `${r.col},${r.row}`),
        };
      };

      const onnxA = await scoreSlide(onnx, 'onnx-seed-1', 1);
      const onnxB = await scoreSlide(onnx, 'onnx-seed-2', 2);
      // Without onnxruntime both engines would be tfjs and the comparison would prove nothing.
      expect(onnx.backendName).toMatch(/^onnxruntime cpu \(MC\)/);
      // tfjs seeds each patch from (slide id, col, row, version), so its slide id fixes its dropout masks.
      const tfjsRun = await scoreSlide(tfjs, 'tfjs', 0);
      expect(tfjs.backendName).toMatch(/^tfjs \S+ \(MC\)/);

      // Suggestions send a person somewhere worth annotating: never to a cell that is mostly off the slide (the
      // demo's right column is 5 px wide, its bottom row 72 px high).
      const onSlideShare = (key: string) => {
        const [col, row] = key.split(',').map(Number) as [number, number];
        const w = Math.min(config.patchSize, source.width - col * config.patchSize);
        const h = Math.min(config.patchSize, source.height - row * config.patchSize);
        return (w * h) / config.patchSize ** 2;
      };
      for (const run of [onnxA, onnxB, tfjsRun]) {
        for (const key of run.suggestions) expect(onSlideShare(key), key).toBeGreaterThanOrEqual(0.5);
      }

      const report = JSON.stringify(
        { onnxA, onnxB, tfjs: tfjsRun },
        (_, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(5)) : v),
        1,
      );
      // The MC-noise baseline: the same engine, another seed. Measured over 52 onnxruntime seed pairs (3 trainings of
      // this fixture): Spearman 0.94–1.00, top-5 overlap 4–5, median relative score difference 0.008–0.032. Below 0.85
      // the model's uncertainty would have no structure above the noise and agreement would prove nothing.
      const baseline = {
        rho: spearman(onnxA.scores, onnxB.scores),
        top: overlap(onnxA.suggestions, onnxB.suggestions),
      };
      expect(baseline.rho, report).toBeGreaterThanOrEqual(0.85);

      for (const onnxRun of [onnxA, onnxB]) {
        // The whole ranking, not only the head. tfjs vs onnxruntime measured 0.94–1.00 (38 pairs); a broken tfjs
        // engine: dropout off NaN, H/W swapped 0.09–0.15, BatchNorm in training mode 0.51–0.68, input shifted by half
        // a std 0.59–0.70, input std doubled 0.87–0.92.
        expect(spearman(tfjsRun.scores, onnxRun.scores), report).toBeGreaterThanOrEqual(
          Math.max(0.85, baseline.rho - 0.1),
        );
        // The listed suggestions: measured 4–5 of 5 shared; dropout off 1, H/W swapped 2, std doubled 3–4.
        expect(overlap(tfjsRun.suggestions, onnxRun.suggestions), report).toBeGreaterThanOrEqual(
          Math.max(3, baseline.top - 1),
        );
        // The top suggestion can be contested (before edge cells were scored per patch area, two right-edge strips
        // swapped first place in about 1 run of 5), so each engine's first pick must be among the other's first three.
        expect(onnxRun.suggestions.slice(0, 3), report).toContain(tfjsRun.suggestions[0]);
        expect(tfjsRun.suggestions.slice(0, 3), report).toContain(onnxRun.suggestions[0]);
        // The scores themselves, which a rescaling bug moves without reordering much. tfjs vs onnxruntime measured
        // ≤ 0.024; a broken tfjs engine: input shifted 0.06–0.10, std doubled 0.11–0.16, H/W swapped 0.13–0.23,
        // BatchNorm in training mode 0.19–0.24, dropout off 2.
        expect(medianRelativeDifference(tfjsRun.scores, onnxRun.scores), report).toBeLessThanOrEqual(0.05);
      }
    } finally {
      for (const engine of engines) await engine.dispose();
      store.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
