import type { AcquisitionFunction, Region } from '@activeseg/protocol';
import { affineValues, patchGrid } from '@activeseg/shared';
import type { ModelEngine } from '../engine/model-engine-api.js';
import { ApiError } from '../errors/api-error.js';
import { topKBoundary } from '../inference/adaptive-mc.js';
import type { ProjectPaths } from '../project/project-paths.js';
import { blockCachedSource } from '../slides/block-cached-source.js';
import { readPaddedWindow } from '../slides/read-padded-window.js';
import type { SlideSource } from '../slides/slide-source.js';
import { atomicWrite } from '../store/atomic-write.js';
import { encodeScoreMap } from '../store/score-map.js';
import type { ScoresRepo } from '../store/scores-repo.js';
import { focusFirst } from './focus-first.js';

export interface RunInferenceOptions {
  slideId: string;
  source: SlideSource;
  engine: ModelEngine;
  scores: ScoresRepo;
  paths: ProjectPaths;
  patchSize: number;
  /** Patches with intensity std (0–255) below this are background: not scored, not suggested. */
  blankPatchStd: number;
  acquisition?: AcquisitionFunction;
  /** Level-0 regions viewers are looking at: the cells under them are scored before the rest. */
  focusRegions?: readonly Region[];
  signal: AbortSignal;
  /** The section the viewer shows: scored first, then the others in order. */
  firstSection?: number;
  onProgress(done: number, total: number): void;
  /** Called after each scored patch is durable (map file, then row); `z` is the patch's section. */
  onPatchScored(region: Region, modelVersion: number, z: number): void;
  /**
   * Cells being read, scored or written at once (default 2): while one cell's acquisition, map and row are done on
   * the event loop, the next one's read and Monte-Carlo passes (in the runner's worker thread) go on. Maps and rows
   * are still written in cell order. 1 = strictly one cell at a time.
   */
  cellsInFlight?: number;
  /**
   * Whole-slide jobs in two phases (`runInference` only): every cell first with `passes` passes (scores and maps
   * scaled to the full count), then the full count again for the cells that can still be among the `topK` best: the
   * top `topK` and every cell whose score is within `z` standard errors of the boundary. Off when absent, when
   * `passes` is not below the engine's count, for acquisitions other than the std-based ones, and on slides of at
   * most 2·`topK` cells (the second phase would redo most of them).
   */
  overview?: OverviewOptions;
  /** Called when a two-phase job has finished its quick phase (every cell has a map and a score). */
  onOverviewDone?(): void;
}

export interface OverviewOptions {
  passes: number;
  topK: number;
  /**
   * Relative error of a quick score against the full-count one (default 0.08). Measured on the bench's EM slide with
   * the base model (63 cells): 3 passes over 10 scored 0.84× on average with sd 0.053, and two 10-pass runs of the
   * same cells differed by sd 0.087, because the EDT weight moves with the thresholded mean; a per-cell standard error
   * from three passes (delta method) missed that by 20–100×, so a slide-wide relative error is used instead.
   */
  relativeError?: number;
  /** Interval half-width in those errors (default 2.5). */
  z?: number;
}

export interface RunInferenceResult {
  modelVersion: number;
  scored: number;
  skippedBlank: number;
  /** Cells scored again with the full pass count after a quick first phase (absent: one phase). */
  refined?: number;
  /** What the other cells' quick scores were multiplied by to match the refined ones (median ratio; 1 if < 5). */
  calibration?: number;
  /** Per scored cell: its (final) score, and the pass count of a quick phase. */
  cellScores?: CellScore[];
}

export interface CellScore {
  cell: GridCell;
  score: number;
  /** Passes of a quick phase; absent: the full count. */
  passes?: number;
}

/** One cell of a slide's patch grid: the patch at level-0 (col × size, row × size) of section `z` (absent = 0). */
export interface GridCell {
  col: number;
  row: number;
  z?: number;
}

export interface ScoreCellsOptions extends RunInferenceOptions {
  /** The cells to score, in order (a worker's batch, or the whole grid). */
  cells: readonly GridCell[];
  /** Version the maps and rows are filed under; must be the engine's current version. */
  modelVersion: number;
  /** Grid cells of the whole slide, for progress totals; defaults to `cells.length`. */
  total?: number;
  /** Monte-Carlo passes per cell when fewer than the engine's count (`ScorePatchOptions.passes`). */
  passes?: number;
}

/**
 * Every cell of the slide's patch grid on every section, row by row within a section (the order the single daemon
 * scores them in): section `firstSection` (the one the viewer shows) first, then the others from 0 up.
 */
export function gridCells(
  source: Pick<SlideSource, 'width' | 'height' | 'sections'>,
  size: number,
  firstSection = 0,
): GridCell[] {
  const plane = patchGrid({ width: source.width, height: source.height, patchSize: size });
  const sections = source.sections ?? 1;
  const first = Math.min(Math.max(0, firstSection), sections - 1);
  const order = [first, ...Array.from({ length: sections }, (_, z) => z).filter((z) => z !== first)];
  return order.flatMap((z) => plane.map((p) => ({ col: p.x / size, row: p.y / size, ...(sections > 1 ? { z } : {}) })));
}

/**
 * The MC seed of one patch: FNV-1a of (slide, col, row, model version), so a patch scores the same wherever and
 * however often it is scored (a worker's retried batch, or the single daemon), with the tfjs runtime.
 */
export function patchSeed(slideId: string, col: number, row: number, modelVersion: number, z = 0): number {
  let h = 0x811c9dc5;
  // Section 0 keeps the 2D key, so a 2D slide scores as it did before volumes.
  for (const ch of `${slideId}/${col}/${row}/${modelVersion}${z ? `/z${z}` : ''}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % 0x7ffffffe) + 1;
}

/**
 * Scores every non-blank cell of the slide's patch grid with the current model, the cells under `focusRegions`
 * first; in two phases when `overview` applies (every cell quickly, then the contenders for the top suggestions in
 * full). For each patch the quantised mean/std maps are written atomically BEFORE the score row commits, so a row
 * never points at a missing map. A slide with undecodable cells fails with SLIDE_CORRUPT after its first phase.
 */
export async function runInference(options: RunInferenceOptions): Promise<RunInferenceResult> {
  const cells = focusFirst(
    gridCells(options.source, options.patchSize, options.firstSection),
    options.focusRegions ?? [],
    options.patchSize,
  );
  const modelVersion = options.engine.modelVersion();
  // One block cache for both phases: the second reads cells the first has decoded, often still held.
  const source = blockCachedSource(options.source, { blockSize: options.patchSize });
  const full = options.engine.mcPasses?.();
  const overview = options.overview;
  const acquisition = options.acquisition ?? 'uncertainty';
  if (
    overview === undefined ||
    full === undefined ||
    overview.passes < 2 ||
    overview.passes >= full ||
    (acquisition !== 'uncertainty' && acquisition !== 'std') ||
    cells.length <= 2 * overview.topK
  ) {
    return scoreCells({ ...options, source, cells, modelVersion });
  }
  // Phase 1: the whole slide at a few passes, so the map and the ranking exist in a fraction of the time.
  const first = await scoreCells({ ...options, source, cells, modelVersion, passes: overview.passes });
  const firstScores = first.cellScores ?? [];
  // Phase 2: the full count where it can still change which cells are suggested, best first.
  options.onOverviewDone?.();
  const refine = cellsToRefine(firstScores, overview);
  const total = cells.length + refine.length;
  const second = await scoreCells({
    ...options,
    source,
    cells: refine,
    modelVersion,
    total,
    onProgress: (done) => options.onProgress(cells.length + done, total),
  });
  // The quick scores were scaled by a factor that is exact for normal passes only (and not for the EDT weight):
  // calibrate them on the cells scored both ways, so quick and full scores rank on one scale.
  const quick = new Map(firstScores.map((c) => [cellKey(c.cell), c]));
  const refined = new Map((second.cellScores ?? []).map((c) => [cellKey(c.cell), c]));
  const ratios = [...refined.values()]
    .map((c) => c.score / (quick.get(cellKey(c.cell))?.score ?? Number.NaN))
    .filter((r) => Number.isFinite(r) && r > 0)
    .sort((a, b) => a - b);
  const calibration = ratios.length >= 5 ? Math.min(2, Math.max(0.5, ratios[ratios.length >> 1] as number)) : 1;
  const unrefined = firstScores.filter((c) => !refined.has(cellKey(c.cell)));
  if (calibration !== 1) {
    options.scores.rescale(
      options.slideId,
      modelVersion,
      unrefined.map((c) => c.cell),
      calibration,
    );
  }
  return {
    modelVersion,
    scored: first.scored,
    skippedBlank: first.skippedBlank,
    refined: refine.length,
    calibration,
    cellScores: firstScores.map((c) => refined.get(cellKey(c.cell)) ?? { ...c, score: c.score * calibration }),
  };
}

const cellKey = ({ col, row, z = 0 }: GridCell) => `${col}_${row}_${z}`;

/**
 * The cells of a quick phase that the full pass count could still move into or out of the top `topK`: the top
 * `topK` themselves (their maps and order are what a person sees first) and every cell whose score ± z·(relative
 * error × score) contains the boundary between the topK-th and the next score. Best first.
 */
export function cellsToRefine(
  scores: readonly CellScore[],
  options: Pick<OverviewOptions, 'topK' | 'z' | 'relativeError'>,
): GridCell[] {
  const z = options.z ?? 2.5;
  const relativeError = options.relativeError ?? 0.08;
  const ranked = [...scores].sort((a, b) => b.score - a.score);
  if (ranked.length <= options.topK) return ranked.map((c) => c.cell);
  const boundary = topKBoundary(
    ranked.map((c) => c.score),
    options.topK,
  ) as number;
  return ranked
    .filter((c, rank) => rank < options.topK || Math.abs(c.score - boundary) <= z * relativeError * c.score)
    .map((c) => c.cell);
}

export async function scoreCells(options: ScoreCellsOptions): Promise<RunInferenceResult> {
  const { engine, patchSize: size, signal, modelVersion } = options;
  // Each cell is read with its context margin, which overlaps the neighbours: decode every block once.
  const source = blockCachedSource(options.source, { blockSize: size });
  const total = options.total ?? options.cells.length;
  let done = 0;
  let scored = 0;
  let skippedBlank = 0;
  const corrupt: GridCell[] = [];
  const cellScores: CellScore[] = [];
  options.onProgress(0, total);
  type Scored = Awaited<ReturnType<ModelEngine['scorePatch']>>;
  type Outcome = { kind: 'corrupt' } | { kind: 'blank' } | { kind: 'scored'; result: Scored };
  const windowOf = ({ col, row }: GridCell) => {
    const x = col * size;
    const y = row * size;
    return { x, y, w: Math.min(size, source.width - x), h: Math.min(size, source.height - y) };
  };
  const margin = engine.contextMargin?.() ?? 0;
  const scoreCell = async (cell: GridCell): Promise<Outcome> => {
    const { x, y, w, h } = windowOf(cell);
    const z = cell.z ?? 0;
    const window = await readCellWindow(source, { x, y, size, margin, z, signal });
    if (window === undefined) return { kind: 'corrupt' };
    if (intensityStd(cropBytes(window.pixels, window.size, window.margin, w, h)) < options.blankPatchStd) {
      return { kind: 'blank' };
    }
    const result = await engine.scorePatch(affineValues(window.pixels, 1 / 255), size, signal, {
      acquisition: options.acquisition,
      valid: { width: w, height: h },
      margin: window.margin,
      seed: patchSeed(options.slideId, cell.col, cell.row, modelVersion, z),
      ...(options.passes === undefined ? {} : { passes: options.passes }),
    });
    return { kind: 'scored', result };
  };
  const depth = Math.max(1, options.cellsInFlight ?? 2);
  const ahead: { cell: GridCell; outcome: Promise<Outcome> }[] = [];
  let next = 0;
  const fill = () => {
    while (ahead.length < depth && next < options.cells.length) {
      const cell = options.cells[next++]!;
      const outcome = scoreCell(cell);
      // Awaited in order below; a cell ahead that fails after an earlier one already threw must not go unhandled.
      outcome.catch(() => {});
      ahead.push({ cell, outcome });
    }
  };
  fill();
  for (let current = ahead.shift(); current !== undefined; current = ahead.shift()) {
    const { col, row, z = 0 } = current.cell;
    signal.throwIfAborted();
    const { x, y, w, h } = windowOf(current.cell);
    const outcome = await current.outcome;
    if (outcome.kind === 'corrupt') {
      corrupt.push({ col, row, z });
    } else if (outcome.kind === 'blank') {
      skippedBlank++;
    } else {
      const { result } = outcome;
      signal.throwIfAborted();
      const mapFile = options.paths.scoreMap(options.slideId, modelVersion, col, row, z);
      await atomicWrite(mapFile, encodeScoreMap(result.mean, result.std));
      options.scores.upsert({
        slideId: options.slideId,
        modelVersion,
        z,
        col,
        row,
        size,
        score: result.score,
        meanFg: average(result.mean),
        meanStd: average(result.std),
        mapPath: options.paths.toRelative(mapFile),
        createdAt: new Date().toISOString(),
      });
      scored++;
      cellScores.push({
        cell: current.cell,
        score: result.score,
        ...(result.passes === undefined ? {} : { passes: result.passes }),
      });
      options.onPatchScored({ x, y, width: w, height: h }, modelVersion, z);
    }
    done++;
    options.onProgress(done, total);
    fill();
  }
  if (corrupt.length > 0) {
    const cells = corrupt.map((c) => `${c.col}_${c.row}${c.z ? `@z${c.z}` : ''}`);
    throw new ApiError(
      'SLIDE_CORRUPT',
      `slide ${options.slideId}: ${corrupt.length} of ${options.cells.length} patches cannot be decoded (cells ${cells.slice(0, 20).join(', ')}${cells.length > 20 ? ', …' : ''}); the other ${scored} were scored and ${skippedBlank} skipped as blank`,
    );
  }
  return { modelVersion, scored, skippedBlank, cellScores };
}

interface CellWindow {
  /** (size + 2·margin)² grey bytes, the cell at (margin, margin). */
  pixels: Uint8Array;
  size: number;
  margin: number;
}

/**
 * The cell and `margin` pixels of context around it, reflected past the slide's edges. A context read that does not
 * decode (a damaged tile next to the cell) falls back to the cell alone, so it costs only its own cell; undefined when
 * the cell's own pixels do not decode.
 */
async function readCellWindow(
  source: SlideSource,
  cell: { x: number; y: number; size: number; margin: number; z: number; signal: AbortSignal },
): Promise<CellWindow | undefined> {
  const { x, y, size, z, signal } = cell;
  for (const margin of cell.margin > 0 ? [cell.margin, 0] : [0]) {
    const read = { x: x - margin, y: y - margin, size: size + 2 * margin, z, signal };
    const pixels = await readPaddedWindow(source, read).catch((err: unknown) => {
      // A patch whose pixels do not decode costs that patch, not the slide: note it and score the others.
      if (err instanceof ApiError && err.code === 'SLIDE_CORRUPT') return undefined;
      throw err;
    });
    if (pixels) return { pixels, size: read.size, margin };
  }
  return undefined;
}

/** The w × h block at (offset, offset) of a square byte window. */
function cropBytes(pixels: Uint8Array, size: number, offset: number, w: number, h: number): Uint8Array {
  if (offset === 0 && w === size && h === size) return pixels;
  const out = new Uint8Array(w * h);
  for (let j = 0; j < h; j++)
    out.set(pixels.subarray((offset + j) * size + offset, (offset + j) * size + offset + w), j * w);
  return out;
}

export function intensityStd(pixels: Uint8Array): number {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]!;
    sum += v;
    sq += v * v;
  }
  const n = pixels.length || 1;
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sq / n - mean * mean));
}

/** Bytes → [0, 1] floats in a size × size patch; pixels past the slide edge replicate the nearest edge pixel. */
export function toPaddedFloat(pixels: Uint8Array, w: number, h: number, size: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const sy = Math.min(y, h - 1);
    for (let x = 0; x < size; x++) {
      out[y * size + x] = pixels[sy * w + Math.min(x, w - 1)]! / 255;
    }
  }
  return out;
}

function average(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return a.length ? s / a.length : 0;
}
