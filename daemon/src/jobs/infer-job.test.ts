import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelEngine } from '../engine/model-engine-api.js';
import { ApiError } from '../errors/api-error.js';
import type { SlideSource } from '../slides/slide-source.js';
import { createTempProject, type TempProject } from '../testing/temp-project.js';
import { writeScrambledTiff } from '../testing/write-scrambled-tiff.js';
import { type CellScore, cellsToRefine, gridCells, patchSeed, runInference } from './infer-job.js';

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

/** What every runInference call here shares: this project's store, no blank-skip, a live signal, no-op callbacks. */
const commonOptions = () => ({
  scores: tp.project.store.scores,
  paths: tp.project.paths,
  blankPatchStd: 0,
  signal: new AbortController().signal,
  onProgress: () => {},
  onPatchScored: () => {},
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
      ...commonOptions(),
      slideId,
      source,
      engine: flatEngine,
      patchSize: 256,
      onProgress: (done) => progress.push(done),
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

/** The slides row an in-memory source needs before its scores can be stored (they reference it). */
function insertSlideRow(slideId: string, source: SlideSource): void {
  tp.project.store.slides.insert({
    id: slideId,
    name: slideId,
    sourcePath: `/nowhere/${slideId}.raw`,
    readPath: `/nowhere/${slideId}.raw`,
    width: source.width,
    height: source.height,
    format: source.format,
    createdAt: new Date().toISOString(),
  });
}

/** An in-memory w × h slide whose pixel (x, y) is (7x + 3y) mod 251, so every read can be checked pixel by pixel. */
function patternSource(width: number, height: number, damaged?: { x: number; y: number; size: number }): SlideSource {
  const value = (x: number, y: number) => (7 * x + 3 * y) % 251;
  return {
    width,
    height,
    tileSize: 256,
    levels: 1,
    format: 'raw',
    async readRegion(req) {
      const overlaps =
        damaged &&
        req.x < damaged.x + damaged.size &&
        req.x + req.width > damaged.x &&
        req.y < damaged.y + damaged.size &&
        req.y + req.height > damaged.y;
      if (overlaps) throw new ApiError('SLIDE_CORRUPT', `window ${req.x},${req.y} cannot be decoded`);
      const out = new Uint8Array(req.width * req.height);
      for (let j = 0; j < req.height; j++)
        for (let i = 0; i < req.width; i++) out[j * req.width + i] = value(req.x + i, req.y + j);
      return out;
    },
  };
}

describe('runInference with an engine that asks for context', () => {
  const size = 128;
  const margin = 16;
  const full = size + 2 * margin;
  const value = (x: number, y: number) => (7 * x + 3 * y) % 251;

  /** Scores the whole grid; returns what the engine was handed per cell ("col_row") and the job's error, if any. */
  const runWithCells = async (slideId: string, source: SlideSource) => {
    insertSlideRow(slideId, source);
    const seeds = new Map(
      gridCells(source, size).map((c) => [patchSeed(slideId, c.col, c.row, 3), `${c.col}_${c.row}`]),
    );
    const calls = new Map<string, { patch: Float32Array; margin: number | undefined }>();
    const engine: ModelEngine = {
      ...flatEngine,
      contextMargin: () => margin,
      scorePatch: async (patch, cellSize, signal, options) => {
        calls.set(seeds.get(options?.seed ?? 0) ?? '?', { patch, margin: options?.margin });
        return flatEngine.scorePatch(patch, cellSize, signal, options);
      },
    };
    const err = await runInference({
      ...commonOptions(),
      slideId,
      source,
      engine,
      patchSize: size,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { calls, err };
  };

  it('hands the engine each cell with its margin of neighbours, mirrored past the slide edge', async () => {
    // 300 × 200 at 128²: a 3 × 2 grid whose last column is 44 px wide and last row 72 px high.
    const { calls, err } = await runWithCells('pattern-edges', patternSource(300, 200));
    expect(err).toBeUndefined();
    expect([...calls.keys()].sort()).toEqual(['0_0', '0_1', '1_0', '1_1', '2_0', '2_1']);
    for (const call of calls.values()) {
      expect(call.margin).toBe(margin);
      expect(call.patch).toHaveLength(full * full);
    }
    const at = (cell: string, i: number, j: number) => Math.round(calls.get(cell)!.patch[j * full + i]! * 255);
    // Cell (1, 0) starts at x = 128: its window's first column is slide column 112 (the left neighbour's pixels),
    // its first row is slide row −16, mirrored to row 16.
    expect(at('1_0', margin, margin)).toBe(value(128, 0));
    expect(at('1_0', 0, margin)).toBe(value(112, 0));
    expect(at('1_0', full - 1, margin + 5)).toBe(value(128 + size + margin - 1, 5));
    expect(at('1_0', margin, 0)).toBe(value(128, 16));
    // Cell (2, 1) at (256, 128) is 44 × 72 on the slide: column 300 (one past the edge) mirrors to 298, row 200 to 198.
    expect(at('2_1', margin + 43, margin + 71)).toBe(value(299, 199));
    expect(at('2_1', margin + 44, margin + 72)).toBe(value(298, 198));
    expect(at('2_1', margin + 50, margin)).toBe(value(292, 128));
  });

  it('scores a cell beside a damaged tile without that context instead of losing it', async () => {
    // 600 × 200 at 128²: 5 × 2 cells; cell (0, 0) does not decode, so cells (1, 0), (0, 1), (1, 1) lose their context.
    const { err, calls } = await runWithCells('pattern-damaged', patternSource(600, 200, { x: 0, y: 0, size }));
    expect((err as ApiError).code).toBe('SLIDE_CORRUPT');
    expect((err as ApiError).message).toMatch(
      /1 of 10 patches cannot be decoded \(cells 0_0\); the other 9 were scored/,
    );
    expect(calls.get('1_0')?.margin).toBe(0);
    expect(calls.get('1_0')?.patch).toHaveLength(size * size);
    expect(calls.get('0_1')?.margin).toBe(0);
    expect(calls.get('1_1')?.margin).toBe(0);
    expect(calls.get('2_0')?.margin).toBe(margin);
    expect(calls.get('4_1')?.margin).toBe(margin);
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
      ...commonOptions(),
      slideId,
      source: tagged,
      engine,
      patchSize: 256,
      cellsInFlight,
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

describe('runInference in two phases (overview)', () => {
  /**
   * Cell (col, row) of a 12 × 12 grid has the true score 100 − (row · 12 + col) / 2 (distinct, row-major falling);
   * a quick call (fewer than 10 passes) reads 0.9× it, off by up to ±0.6 %, a full call exactly.
   */
  const calls: { col: number; row: number; passes: number | undefined }[] = [];
  const truth = (col: number, row: number) => 100 - (row * 12 + col) / 2;
  const quickFactor = (col: number, row: number) => 0.9 * (1 + (((col * 7 + row * 3) % 5) - 2) * 0.003);
  const engine = {
    modelVersion: () => 4,
    mcPasses: () => 10,
    async scorePatch(_patch, size, _signal, options) {
      // The cell from its MC seed, which runInference derives from (slide, col, row, version).
      const cell = bySeed.get(options?.seed ?? -1)!;
      calls.push({ ...cell, passes: options?.passes });
      const quick = options?.passes !== undefined && options.passes < 10;
      return {
        score: truth(cell.col, cell.row) * (quick ? quickFactor(cell.col, cell.row) : 1),
        ...(quick ? { passes: options.passes } : {}),
        mean: new Float32Array(size * size).fill(0.5),
        std: new Float32Array(size * size).fill(quick ? 0.2 : 0.1),
      };
    },
  } as ModelEngine;
  const size = 64;
  const bySeed = new Map<number, { col: number; row: number }>();

  const run = async (
    slideId: string,
    overview: { passes: number; topK: number; relativeError?: number } | undefined,
    acquisition?: 'entropy',
  ) => {
    calls.length = 0;
    const progress: [number, number][] = [];
    let overviewDoneAt = -1;
    const source = patternSource(12 * size, 12 * size);
    bySeed.clear();
    for (const c of gridCells(source, size)) bySeed.set(patchSeed(slideId, c.col, c.row, 4), c);
    insertSlideRow(slideId, source);
    const result = await runInference({
      ...commonOptions(),
      slideId,
      source,
      engine,
      patchSize: size,
      ...(overview ? { overview } : {}),
      ...(acquisition ? { acquisition } : {}),
      onOverviewDone: () => {
        overviewDoneAt = calls.length;
      },
      onProgress: (done, total) => progress.push([done, total]),
    });
    return { result, progress, overviewDoneAt };
  };

  it('scores every cell at the quick count, then the top k and the cells near the boundary at the full count', async () => {
    const { result, progress, overviewDoneAt } = await run('two-phase', { passes: 3, topK: 10, relativeError: 0.005 });
    const quick = calls.filter((c) => c.passes === 3);
    const full = calls.filter((c) => c.passes === undefined);
    expect(quick).toHaveLength(144);
    expect(overviewDoneAt).toBe(144);
    // The true top 10 are row 0's cells 0–9; the quick boundary is ≈ 0.9 · 95.25 and 2.5 · 0.5 % of it is ≈ 1.1.
    expect(full.length).toBeGreaterThanOrEqual(10);
    expect(full.length).toBeLessThan(30);
    expect(result.refined).toBe(full.length);
    const top10 = [...(result.cellScores ?? [])].sort((a, b) => b.score - a.score).slice(0, 10);
    expect(top10.map((c) => `${c.cell.col}_${c.cell.row}`)).toEqual(Array.from({ length: 10 }, (_, col) => `${col}_0`));
    // Refined rows hold the full-count score; the others their quick score times the median full/quick ratio of
    // the refined cells, which undoes the quick phase's 0.9 to within its ±0.6 % scatter.
    expect(result.calibration).toBeGreaterThan(1 / 0.9 / 1.007);
    expect(result.calibration).toBeLessThan(1 / 0.9 / 0.993);
    const rows = tp.project.store.scores.listInRange('two-phase', 4, { col0: 0, col1: 11, row0: 0, row1: 11 });
    expect(rows).toHaveLength(144);
    for (const r of rows) {
      const refined = full.some((c) => c.col === r.col && c.row === r.row);
      const expected = refined
        ? truth(r.col, r.row)
        : truth(r.col, r.row) * quickFactor(r.col, r.row) * result.calibration!;
      expect(r.score).toBeCloseTo(expected, 9);
      if (!refined) expect(Math.abs(r.score / truth(r.col, r.row) - 1)).toBeLessThan(0.013);
    }
    expect(progress.at(-1)).toEqual([144 + full.length, 144 + full.length]);
    expect(progress.every(([done, total], i) => done <= total && (i === 0 || done >= progress[i - 1]![0]))).toBe(true);
  });

  it('scores in one phase at the full count when the slide is small, the acquisition has no error or it is off', async () => {
    await run('one-small', { passes: 3, topK: 72 });
    expect(calls.every((c) => c.passes === undefined)).toBe(true);
    await run('one-entropy', { passes: 3, topK: 10 }, 'entropy');
    expect(calls.every((c) => c.passes === undefined)).toBe(true);
    const { result } = await run('one-off', undefined);
    expect(calls).toHaveLength(144);
    expect(calls.every((c) => c.passes === undefined)).toBe(true);
    expect(result.refined).toBeUndefined();
  });
});

describe('cellsToRefine', () => {
  const cell = (i: number, score: number): CellScore => ({ cell: { col: i, row: 0 }, score });

  it('keeps the top k and the cells within z relative errors of the boundary, best first', () => {
    const scores = [cell(0, 10), cell(1, 9), cell(2, 5), cell(3, 4.6), cell(4, 1)];
    // k = 2: boundary 7; 5 ± 2.5·0.08·5 = 5 ± 1 and 4.6 ± 0.92 stay clear of it.
    expect(cellsToRefine(scores, { topK: 2 }).map((c) => c.col)).toEqual([0, 1]);
    // k = 3: boundary 4.8 is within reach of cells 2 (5 ± 1) and 3 (4.6 ± 0.92), not of cell 4 (1 ± 0.2).
    expect(cellsToRefine(scores, { topK: 3 }).map((c) => c.col)).toEqual([0, 1, 2, 3]);
    expect(cellsToRefine(scores, { topK: 3, relativeError: 0.01 }).map((c) => c.col)).toEqual([0, 1, 2]);
  });

  it('refines every cell when there are no more than k', () => {
    expect(cellsToRefine([cell(0, 1), cell(1, 2)], { topK: 5 }).map((c) => c.col)).toEqual([1, 0]);
  });
});
