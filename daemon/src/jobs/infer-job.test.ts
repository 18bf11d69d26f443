import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelEngine } from '../engine/model-engine-api.js';
import { ApiError } from '../errors/api-error.js';
import type { SlideSource } from '../slides/slide-source.js';
import { createTempProject, type TempProject } from '../testing/temp-project.js';
import { writeScrambledTiff } from '../testing/write-scrambled-tiff.js';
import { runInference } from './infer-job.js';

let tp: TempProject;
let files: string;
beforeAll(() => {
  tp = createTempProject();
  files = mkdtempSync(join(tmpdir(), 'activeseg-infer-'));
});
afterAll(async () => {
  await tp.dispose();
  rmSync(files, { recursive: true, force: true });
});

/** Scores every patch 1 with a flat prediction: the job's bookkeeping is under test, not the model. */
const flatEngine = { modelVersion: () => 3 } as Pick<ModelEngine, 'modelVersion' | 'scorePatch'> as ModelEngine;
flatEngine.scorePatch = async (_patch, size) => ({
  score: 1,
  mean: new Float32Array(size * size).fill(0.5),
  std: new Float32Array(size * size).fill(0.1),
});

describe('runInference on a slide with an undecodable patch', () => {
  it('scores the other patches and then fails with SLIDE_CORRUPT naming the bad cell', async () => {
    const path = join(files, 'slide.tif');
    await writeScrambledTiff(path, { width: 1024, height: 512, scramble: [] });
    const res = await tp.app.request('/api/slides', {
      method: 'POST',
      headers: tp.auth,
      body: JSON.stringify({ path }),
    });
    expect(res.status).toBe(201);
    const { id: slideId } = (await res.json()) as { id: string };
    const real = await tp.project.slides.open(slideId);
    // Cell (1, 0) behaves like a damaged tile: the real reader's SLIDE_CORRUPT read error.
    const source: SlideSource = {
      ...real,
      readRegion: (req) =>
        req.x === 256 && req.y === 0
          ? Promise.reject(new ApiError('SLIDE_CORRUPT', 'slide.tif: level 0 window 256,0 256×256 cannot be decoded'))
          : real.readRegion(req),
    };
    const progress: number[] = [];
    const err = await runInference({
      slideId,
      source,
      engine: flatEngine,
      scores: tp.project.store.scores,
      paths: tp.project.paths,
      patchSize: 256,
      blankPatchStd: 0,
      signal: new AbortController().signal,
      onProgress: (done) => progress.push(done),
      onPatchScored: () => {},
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('SLIDE_CORRUPT');
    expect((err as ApiError).message).toBe(
      `slide ${slideId}: 1 of 8 patches cannot be decoded (cells 1_0); the other 7 were scored and 0 skipped as blank`,
    );
    expect(progress.at(-1)).toBe(8);
    const scored = tp.project.store.scores.listInRange(slideId, 3, { col0: 0, col1: 3, row0: 0, row1: 1 });
    expect(scored.map((s) => `${s.col}_${s.row}`).sort()).toEqual(['0_0', '0_1', '1_1', '2_0', '2_1', '3_0', '3_1']);
  });
});
