/** What `daemon/bench/loop-latency.ts` measures, and the line it prints: no daemon imports, so bench.ts stays light. */

export const LOOP_RESULT_PREFIX = 'LOOP_LATENCY ';

export interface LoopRound {
  round: number;
  cell: { col: number; row: number };
  modelVersion: number;
  /** Submit → durable ack. */
  annotateMs: number;
  /** Ack → training job done (queue wait + loading patches + epochs + saving the version). */
  trainMs: number;
  /** Training done → `tiles.updated` at the new version covered every viewport cell. */
  scoreViewportMs: number;
  /** Of which: training done → the first cell's `tiles.updated` (job start, the new version's MC session, one cell). */
  firstCellMs: number;
  /** Then → every viewport overlay tile fetched at the new version (rendered by the daemon). */
  tilesMs: number;
  /** Submit → viewport tiles at the new version: the loop latency. */
  totalMs: number;
  /**
   * CPU time the daemon's process (all its threads) spent in that span: unlike wall time it hardly depends on what
   * else the machine runs, so on an idle 2-core machine the latency lies between cpuMs / 2 and cpuMs.
   */
  cpuMs: number;
  /** CPU time of the training phase, and of scoring the viewport + rendering its tiles. */
  trainCpuMs: number;
  scoreCpuMs: number;
  /** Training done → the whole slide scored (not part of the latency). */
  scoreSlideMs: number;
  viewportCells: number;
  slideCells: number;
  viewportTiles: number;
}

export interface LoopLatencyReport {
  rounds: LoopRound[];
  /** Nearest-rank percentiles over the rounds, ms. */
  p50Ms: number;
  maxMs: number;
  cpuP50Ms: number;
  /** Load average (1 min) at the start and the end. */
  load: [number, number];
  phasesP50Ms: {
    annotate: number;
    train: number;
    scoreViewport: number;
    firstCell: number;
    tiles: number;
    trainCpu: number;
    scoreCpu: number;
  };
  trainEpochs: string;
  backend: string;
}

/** The one line `npm run bench` prints (and greps for). */
export function loopLatencyLine(r: LoopLatencyReport): string {
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const ph = r.phasesP50Ms;
  return `loop latency (annotation → training → viewport overlay at the new version, demo slide, default model, ${r.rounds.length} rounds): p50 ${s(r.p50Ms)} s, max ${s(r.maxMs)} s; phase p50s: annotate ${s(ph.annotate)} s, train ${s(ph.train)} s, score viewport ${s(ph.scoreViewport)} s (first cell ${s(ph.firstCell)} s), tiles ${s(ph.tiles)} s; CPU time p50 ${s(r.cpuP50Ms)} s (train ${s(ph.trainCpu)} s, score + tiles ${s(ph.scoreCpu)} s), load ${r.load.map((l) => l.toFixed(1)).join(' → ')}`;
}
