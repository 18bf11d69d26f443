/**
 * The three lines of issue #18 that `npm run bench` prints, each `name key=value …` so a script can read them:
 *
 *   slide throughput   cells/s of a whole-slide inference job in the real daemon (default model and pass count) on a
 *                      slide of real EM texture, and the minutes that projects to for 1 gigapixel;
 *   tiles while scoring p50/p99 of cached tile requests from 8 simulated viewers while that job runs;
 *   mc efficiency      effective GFLOP/s of the MC passes against the machine's fp32 peak.
 *
 * The daemon runs in a child process (`bench-daemon.ts`), so the viewers' clock is not the daemon's event loop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pyramidLevels } from '@activeseg/shared';
import { DaemonConfig } from '../src/config.js';
import type { McRunnerTuning } from '../src/inference/create-mc-runner.js';
import { getPreset } from '../src/training/presets.js';
import { benchEmSlide } from './em-texture-slide.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const CELL = 512;
const GIGAPIXEL_CELLS = 1e9 / (CELL * CELL);

/** Lever settings of a bench daemon; the daemon's defaults where absent. */
export interface BenchDaemonSettings {
  mcRunner?: McRunnerTuning;
  config?: Partial<DaemonConfig>;
}

export interface SpeedBenchOptions {
  /** Edge of the generated square slide (quick: 4096, full: 8192). */
  slideSize: number;
  daemon?: BenchDaemonSettings;
  viewers?: number;
  /** Tile requests per second over all viewers. */
  tileRate?: number;
  /** Render every image tile first, for `withViewers` (default true; a throughput-only run skips it). */
  warmTiles?: boolean;
  log?: (line: string) => void;
}

export interface SlideThroughputLine {
  cells: number;
  wallS: number;
  /** Grid cells over the whole job's wall time. */
  cellsPerS: number;
  /** Projected for 1 gigapixel: the whole job (both phases; see projectGigapixel). */
  minPerGigapixel: number;
  /** Seconds until every cell had its map and score (the first phase). */
  overviewS: number;
  overviewMinPerGigapixel: number;
  /** Cells scored again at the full count (0: one phase). */
  refined: number;
  /** Passes per cell of the first phase (= passes when one phase). */
  overviewPasses: number;
  passes: number;
  load: number;
}

export interface TilesWhileScoringLine {
  requests: number;
  errors: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  viewers: number;
  rate: number;
  /** The scoring job's own throughput while the viewers load the daemon. */
  cellsPerS: number;
  load: number;
}

export interface SpeedBenchResult {
  slide: string;
  throughput: SlideThroughputLine;
  tiles: TilesWhileScoringLine;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load1 = () => Number(loadavg()[0]!.toFixed(2));
const round = (v: number, digits = 1) => Number(v.toFixed(digits));

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface BenchDaemon {
  origin: string;
  headers: Record<string, string>;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startBenchDaemon(projectDir: string, settings: BenchDaemonSettings): Promise<BenchDaemon> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'bench-daemon.ts'), projectDir, JSON.stringify(settings)],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = `${stderr}${d}`.slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A bench that dies (a thrown error, Ctrl-C) must not leave its daemons running on a shared machine.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    void exited.then(() => reject(new Error(`bench daemon exited during start: ${stderr}`)));
  });
  const info = JSON.parse(line) as { origin: string; token: string };
  return {
    origin: info.origin,
    headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
    child,
    async stop() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function api<T>(d: BenchDaemon, route: string, body?: unknown): Promise<T> {
  // A connect can fail while hundreds of viewer requests hold the loopback (EPIPE/ECONNRESET on a loaded box): the
  // control calls retry, so only the viewers' own requests count as errors.
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(`${d.origin}${route}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: d.headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(200 * attempt);
      continue;
    }
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${route}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }
}

export interface Slide {
  id: string;
  width: number;
  height: number;
  levels: number;
  tileSize: number;
}

interface Job {
  id: string;
  state: string;
  progress: { done?: number; total?: number };
  error?: unknown;
}

interface InferJobTiming {
  wallS: number;
  /** Grid cells of the slide (the first phase's total). */
  cells: number;
  /** Cells scored again in full after a quick first phase (0: one phase). */
  refined: number;
  /** Seconds until every cell had a score (the first phase's end; the whole job when one phase). */
  overviewS: number;
}

/**
 * Runs one inference job on the slide to its end; wall time from the POST to the poll that saw it done. A two-phase
 * job (overview) reports `total` = cells at first, then cells + refined, so the polls also time the first phase.
 */
async function inferJob(d: BenchDaemon, slideId: string): Promise<InferJobTiming> {
  const t0 = performance.now();
  const job = await api<Job>(d, '/api/jobs', { kind: 'infer', slideId });
  let cells: number | undefined;
  let overviewS: number | undefined;
  for (;;) {
    const j = await api<Job>(d, `/api/jobs/${job.id}`);
    const elapsed = (performance.now() - t0) / 1000;
    if (j.progress.total !== undefined && j.progress.total > 0) cells ??= j.progress.total;
    if (overviewS === undefined && cells !== undefined && (j.progress.done ?? 0) >= cells) overviewS = elapsed;
    if (j.state === 'done') {
      const total = j.progress.total ?? 0;
      const grid = cells ?? total;
      return { wallS: elapsed, cells: grid, refined: total - grid, overviewS: overviewS ?? elapsed };
    }
    if (j.state !== 'queued' && j.state !== 'running') throw new Error(`inference ${j.state}: ${JSON.stringify(j)}`);
    await sleep(50);
  }
}

/**
 * Minutes for a 1-gigapixel slide from one job: the first phase at its measured cells/s over the gigapixel's cells,
 * plus the refined cells at their own measured rate, `topK` of them plus the contenders in proportion to the slide
 * (more cells, more near the boundary: an upper bound, since the top of a bigger slide is sparser).
 */
export function projectGigapixel(t: InferJobTiming, topK: number): { overviewMin: number; totalMin: number } {
  const overviewMin = GIGAPIXEL_CELLS / (t.cells / t.overviewS) / 60;
  if (t.refined === 0) return { overviewMin, totalMin: overviewMin };
  const refineRate = t.refined / Math.max(1e-3, t.wallS - t.overviewS);
  const refinedAtGigapixel = Math.min(topK, t.refined) + Math.max(0, t.refined - topK) * (GIGAPIXEL_CELLS / t.cells);
  return { overviewMin, totalMin: overviewMin + refinedAtGigapixel / refineRate / 60 };
}

/**
 * Every image tile of every level of `slide` as the URLs OpenSeadragon asks for (JPEG), level 0 first, row by row;
 * `query` (e.g. `?token=…`) is appended to each.
 */
export function imageTileUrls(
  origin: string,
  slide: Pick<Slide, 'id' | 'width' | 'height' | 'tileSize'>,
  query = '',
): string[] {
  return pyramidLevels(slide.width, slide.height, slide.tileSize).flatMap(({ level, cols, rows }) =>
    Array.from(
      { length: cols * rows },
      (_, i) =>
        `${origin}/api/slides/${slide.id}/tiles/image/${level}/${i % cols}_${Math.floor(i / cols)}.jpeg${query}`,
    ),
  );
}

/** Requests one viewer keeps in flight at most, as a browser does per host over HTTP/1.1. */
const VIEWER_CONNECTIONS = 6;

/**
 * `viewers` clients ask for random cached tiles at `rate` per second in all until `until` settles. Each request is
 * due at a scheduled time and its latency runs from then to the last byte, so a stalled daemon shows as latency even
 * when a viewer's 6 connections are all busy and the request has to wait for one.
 */
async function viewerLoad(
  d: BenchDaemon,
  urls: readonly string[],
  o: { viewers: number; rate: number; until: Promise<unknown> },
): Promise<{ latencies: number[]; errors: number }> {
  let done = false;
  void o.until.finally(() => {
    done = true;
  });
  const latencies: number[] = [];
  let errors = 0;
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const interval = (1000 * o.viewers) / o.rate;
  const viewer = async (v: number) => {
    const t0 = performance.now() + (v * interval) / o.viewers;
    let next = 0;
    const connection = async () => {
      while (!done) {
        const at = t0 + next++ * interval;
        const wait = at - performance.now();
        if (wait > 0) await sleep(wait);
        const url = urls[Math.floor(rand() * urls.length)]!;
        try {
          const res = await fetch(url, { headers: d.headers });
          await res.arrayBuffer();
          if (res.status !== 200) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - at);
      }
    };
    await Promise.all(Array.from({ length: VIEWER_CONNECTIONS }, connection));
  };
  await Promise.all(Array.from({ length: o.viewers }, (_, v) => viewer(v)));
  return { latencies, errors };
}

/** A daemon with the bench slide added, tiles cached and the MC runner warm: runs the two measurements on demand. */
export interface SpeedRig {
  readonly slide: string;
  /** One inference job over the whole slide with nothing else asking the daemon for anything. */
  alone(): Promise<SlideThroughputLine>;
  /** One inference job over the whole slide while the viewers ask for cached tiles. */
  withViewers(): Promise<TilesWhileScoringLine>;
  /** The latest job's score of every cell, keyed "col,row" (what `GET /api/suggestions` ranks). */
  scores(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

export async function openSpeedRig(options: SpeedBenchOptions): Promise<SpeedRig> {
  const viewers = options.viewers ?? 8;
  const rate = options.tileRate ?? 200;
  const slideFile = await benchEmSlide(options.slideSize);
  const projectDir = mkdtempSync(path.join(tmpdir(), 'activeseg-speed-'));
  const d = await startBenchDaemon(projectDir, options.daemon ?? {});
  const stop = async () => {
    await d.stop();
    rmSync(projectDir, { recursive: true, force: true });
  };
  try {
    const slide = await api<Slide>(d, '/api/slides', { path: slideFile });
    // Warm-up on the demo slide: the worker thread and the onnxruntime session of the 256² runner start once per
    // model version, not per slide, so they stay out of the per-cell figure.
    const demo = await api<Slide>(d, '/api/slides', {
      path: path.join(repoRoot, 'demo/axondeepseg-sem/images/sub-rat8_sample-V915.png'),
    });
    await inferJob(d, demo.id);
    // Every level's image tiles, rendered once so the viewers hit the cache.
    const urls = imageTileUrls(d.origin, slide);
    for (let i = 0; options.warmTiles !== false && i < urls.length; i += 16) {
      await Promise.all(urls.slice(i, i + 16).map(async (u) => (await fetch(u, { headers: d.headers })).arrayBuffer()));
    }
    const passes = getPreset('tiny').mcPasses;
    const defaults = DaemonConfig.parse({});
    const overviewPasses = options.daemon?.config?.overviewPasses ?? defaults.overviewPasses;
    const topK = options.daemon?.config?.overviewTopK ?? defaults.overviewTopK;
    return {
      slide: `${options.slideSize}x${options.slideSize}`,
      async alone() {
        const load = load1();
        const r = await inferJob(d, slide.id);
        const projected = projectGigapixel(r, topK);
        return {
          cells: r.cells,
          wallS: round(r.wallS),
          cellsPerS: round(r.cells / r.wallS, 2),
          minPerGigapixel: round(projected.totalMin, 1),
          overviewS: round(r.overviewS),
          overviewMinPerGigapixel: round(projected.overviewMin, 1),
          refined: r.refined,
          overviewPasses: r.refined > 0 ? overviewPasses : passes,
          passes,
          load,
        };
      },
      async withViewers() {
        const load = load1();
        const job = inferJob(d, slide.id);
        const { latencies, errors } = await viewerLoad(d, urls, { viewers, rate, until: job });
        const r = await job;
        const sorted = latencies.sort((a, b) => a - b);
        return {
          requests: sorted.length,
          errors,
          p50Ms: round(percentile(sorted, 50)),
          p90Ms: round(percentile(sorted, 90)),
          p99Ms: round(percentile(sorted, 99)),
          maxMs: round(sorted.at(-1) ?? Number.NaN),
          viewers,
          rate,
          cellsPerS: round(r.cells / r.wallS, 2),
          load: round((load + load1()) / 2, 2),
        };
      },
      async scores() {
        const list = await api<{ suggestions: { patch: { col: number; row: number }; score: number }[] }>(
          d,
          `/api/suggestions?slideId=${slide.id}&k=500`,
        );
        return new Map(list.suggestions.map((x) => [`${x.patch.col},${x.patch.row}`, x.score]));
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Slide throughput and tiles-while-scoring, measured on one daemon (so one set of lever settings). */
export async function measureSpeed(options: SpeedBenchOptions): Promise<SpeedBenchResult> {
  const rig = await openSpeedRig(options);
  try {
    const throughput = await rig.alone();
    options.log?.(`  slide alone: ${throughput.cells} cells in ${throughput.wallS} s (load ${throughput.load})`);
    const tiles = await rig.withViewers();
    options.log?.(`  slide with viewers: ${tiles.requests} tiles, p99 ${tiles.p99Ms} ms (load ${tiles.load})`);
    return { slide: rig.slide, throughput, tiles };
  } finally {
    await rig.stop();
  }
}

/** Edge of a square slide of 1.008 gigapixels (62 × 512 px: 3 844 cells), the full bench's throughput slide. */
export const GIGAPIXEL_SLIDE = 31_744;

/**
 * Slide throughput alone, on its own daemon: the full bench scores a whole gigapixel slide this way (its 812 MB file is
 * generated once under runs/bench/), so `min_per_gigapixel` is measured there, not projected.
 */
export async function measureThroughput(
  options: SpeedBenchOptions,
): Promise<{ slide: string; throughput: SlideThroughputLine }> {
  const rig = await openSpeedRig({ ...options, warmTiles: false });
  try {
    const throughput = await rig.alone();
    options.log?.(`  slide alone: ${throughput.cells} cells in ${throughput.wallS} s (load ${throughput.load})`);
    return { slide: rig.slide, throughput };
  } finally {
    await rig.stop();
  }
}

export function slideThroughputLine(slide: string, t: SlideThroughputLine, label = ''): string {
  return `slide throughput${label} cells_per_s=${t.cellsPerS} min_per_gigapixel=${t.minPerGigapixel} overview_min_per_gigapixel=${t.overviewMinPerGigapixel} cells=${t.cells} refined=${t.refined} wall_s=${t.wallS} overview_s=${t.overviewS} slide=${slide} passes=${t.passes} overview_passes=${t.overviewPasses} threads=${availableParallelism()} load=${t.load} goal_min_per_gigapixel=5`;
}

export function tilesWhileScoringLine(t: TilesWhileScoringLine, label = ''): string {
  return `tiles while scoring${label} p50_ms=${t.p50Ms} p90_ms=${t.p90Ms} p99_ms=${t.p99Ms} max_ms=${t.maxMs} requests=${t.requests} errors=${t.errors} viewers=${t.viewers} rate_per_s=${t.rate} job_cells_per_s=${t.cellsPerS} load=${t.load} goal_p99_ms=50`;
}
