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

describe('scoreCells with cells in flight', () => {
  /** Runs the job over a 4×1 grid with an engine that logs when each cell's passes start and end. */
  const run = async (cellsInFlight: number) => {
    const path = join(files, `inflight-${cellsInFlight}.tif`);
    await writeScrambledTiff(path, { width: 1024, height: 256, scramble: [] });
    const res = await tp.app.request('/api/slides', {
      method: 'POST',
      headers: tp.auth,
      body: JSON.stringify({ path }),
    });
    const { id: slideId } = (await res.json()) as { id: string };
    const events: string[] = [];
    const engine = { modelVersion: () => 3 } as ModelEngine;
    engine.scorePatch = async (patch, size) => {
      const cell = Math.round(patch[0]! * 255) % 4;
      events.push(`passes ${cell}`);
      await new Promise((r) => setTimeout(r, 5));
      return { score: cell, mean: new Float32Array(size * size).fill(0.5), std: new Float32Array(size * size) };
    };
    const source = await tp.project.slides.open(slideId);
    // Each cell's first pixel names it, so the engine can tell the cells apart.
    const tagged: SlideSource = {
      ...source,
      readRegion: async (req) => {
        const px = await source.readRegion(req);
        px[0] = req.x / 256;
        return px;
      },
    };
    await runInference({
      slideId,
      source: tagged,
      engine,
      scores: tp.project.store.scores,
      paths: tp.project.paths,
      patchSize: 256,
      blankPatchStd: 0,
      cellsInFlight,
      signal: new AbortController().signal,
      onProgress: () => {},
      onPatchScored: (region) => events.push(`written ${region.x / 256}`),
    });
    const rows = tp.project.store.scores.listInRange(slideId, 3, { col0: 0, col1: 3, row0: 0, row1: 0 });
    return { events, scores: rows.map((r) => `${r.col}:${r.score}`).sort() };
  };

  it('runs the next cell’s passes while the current one is written, and still writes every cell in order', async () => {
    const { events, scores } = await run(2);
    expect(events.indexOf('passes 1')).toBeLessThan(events.indexOf('written 0'));
    expect(events.filter((e) => e.startsWith('written'))).toEqual(['written 0', 'written 1', 'written 2', 'written 3']);
    expect(scores).toEqual(['0:0', '1:1', '2:2', '3:3']);
  });

  it('with cellsInFlight 1 scores strictly one cell at a time', async () => {
    const { events, scores } = await run(1);
    expect(events).toEqual([
      'passes 0',
      'written 0',
      'passes 1',
      'written 1',
      'passes 2',
      'written 2',
      'passes 3',
      'written 3',
    ]);
    expect(scores).toEqual(['0:0', '1:1', '2:2', '3:3']);
  });
});
