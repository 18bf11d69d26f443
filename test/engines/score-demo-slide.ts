import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adoptBaseModel } from '../../daemon/src/cli/base-model.js';
import { DEMO_DATA_DIR } from '../../daemon/src/cli/demo-paths.js';
import { parseConfig } from '../../daemon/src/config.js';
import { createModelEngine } from '../../daemon/src/engine/model-engine.js';
import { gridCells, runInference } from '../../daemon/src/jobs/infer-job.js';
import { selectBackend } from '../../daemon/src/model/backend.js';
import { createProjectPaths } from '../../daemon/src/project/project-paths.js';
import { loadSharpSlideSource } from '../../daemon/src/slides/sharp-slide-source.js';
import { openStore } from '../../daemon/src/store/db.js';
import { decodeScoreMap } from '../../daemon/src/store/score-map.js';
import { PRESETS } from '../../daemon/src/training/presets.js';

/** The daemon's demo slide (1541 × 1096: a 4 × 3 grid of 512² cells), held out of the shipped base model. */
export const DEMO_SLIDE_PATH = join(DEMO_DATA_DIR, 'images', 'sub-rat8_sample-V915.png');

export interface ScoreDemoSlideOptions {
  /** Model-scale pixels of context per side (the engine's `contextMargin`); 0 scores each cell alone. */
  contextMargin: number;
  /** onnxruntime, as the daemon runs it (default), or tfjs. */
  onnx?: boolean;
  /** Whole-slide runs to time after the first (which builds the runner); default 0. */
  timedRuns?: number;
}

export interface ScoredDemoSlide {
  width: number;
  height: number;
  patchSize: number;
  /** The overlays as stored (mean P(myelin), MC std), slide-sized, NaN in cells not scored. */
  mean: Float32Array;
  std: Float32Array;
  /** Slide pixels, for pictures. */
  pixels: Uint8Array;
  cells: number;
  /** Wall seconds of each timed run of the infer job over the whole grid. */
  seconds: number[];
}

/**
 * Scores the demo slide with the shipped base model (tiny preset) through the daemon's own infer job (runInference →
 * ReloadableModelEngine.scorePatch → score maps on disk) and reads the stored maps back as the overlay tiles do.
 */
export async function scoreDemoSlide(options: ScoreDemoSlideOptions): Promise<ScoredDemoSlide> {
  const backend = await selectBackend({ purpose: 'train' });
  const dir = await mkdtemp(join(tmpdir(), 'activeseg-seams-'));
  const store = openStore(dir);
  const preset = PRESETS.tiny;
  const engine = await createModelEngine({
    modelsDir: join(dir, 'models'),
    preset,
    tfjsBackend: backend.name,
    onnx: options.onnx ?? true,
    contextMargin: options.contextMargin,
  });
  try {
    await adoptBaseModel(engine, { kind: 'demo' }, preset);
    const config = parseConfig({});
    const size = config.patchSize;
    const source = await loadSharpSlideSource(DEMO_SLIDE_PATH);
    const paths = createProjectPaths(dir);
    const slideId = 'demo';
    store.slides.insert({
      id: slideId,
      name: 'demo',
      sourcePath: DEMO_SLIDE_PATH,
      readPath: DEMO_SLIDE_PATH,
      width: source.width,
      height: source.height,
      format: source.format,
      createdAt: new Date().toISOString(),
    });
    const run = () =>
      runInference({
        slideId,
        source,
        engine,
        scores: store.scores,
        paths,
        patchSize: size,
        blankPatchStd: config.blankPatchStd,
        signal: new AbortController().signal,
        onProgress: () => {},
        onPatchScored: () => {},
      });
    const first = await run();
    const seconds: number[] = [];
    for (let i = 0; i < (options.timedRuns ?? 0); i++) {
      const t0 = performance.now();
      await run();
      seconds.push((performance.now() - t0) / 1000);
    }
    const { width, height } = source;
    const mean = new Float32Array(width * height).fill(Number.NaN);
    const std = new Float32Array(width * height).fill(Number.NaN);
    for (const { col, row } of gridCells(source, size)) {
      const record = store.scores.get(slideId, first.modelVersion, col, row);
      if (!record) continue;
      const maps = decodeScoreMap(new Uint8Array(await readFile(paths.fromStored(record.mapPath))), size);
      for (let y = row * size; y < Math.min(height, (row + 1) * size); y++) {
        for (let x = col * size; x < Math.min(width, (col + 1) * size); x++) {
          const i = (y % size) * size + (x % size);
          mean[y * width + x] = (maps.mean[i] as number) / 255;
          std[y * width + x] = (maps.std[i] as number) / 510;
        }
      }
    }
    const pixels = await source.readRegion({ level: 0, x: 0, y: 0, width, height });
    return { width, height, patchSize: size, mean, std, pixels, cells: first.scored, seconds };
  } finally {
    await engine.dispose();
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
