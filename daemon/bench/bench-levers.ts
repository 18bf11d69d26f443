/**
 * Levers of issue #18, measured before/after in one run: one bench daemon per variant (all started up front, so all
 * see the same machine), then rounds in which each variant in turn scores the whole slide alone and again under the
 * 8 viewers. Interleaving is what makes a comparison on a shared machine mean anything; the load average is printed
 * with every job. Medians per variant at the end, as `lever …` key=value lines. Writes runs/bench/bench-levers.json.
 *
 *   npx tsx daemon/bench/bench-levers.ts [--size 3072] [--rounds 3] [--variants JSON]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { overlap, spearman } from '@activeseg/shared';
import {
  type BenchDaemonSettings,
  openSpeedRig,
  type SlideThroughputLine,
  type SpeedRig,
  slideThroughputLine,
  type TilesWhileScoringLine,
  tilesWhileScoringLine,
} from './speed-lines.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The daemon's settings before issue #18: 1 intra-op thread beside the event loop, normal priority, one cell at a time. */
const BEFORE: BenchDaemonSettings = {
  mcRunner: { intraOpThreads: 1, workerNiceness: 0 },
  config: { inferCellsInFlight: 1 },
};

const DEFAULT_VARIANTS: Record<string, BenchDaemonSettings> = {
  before: BEFORE,
  'cells-in-flight-2': { ...BEFORE, config: { inferCellsInFlight: 2 } },
  'threads-2-nice-10': { mcRunner: { intraOpThreads: 2, workerNiceness: 10 }, config: { inferCellsInFlight: 1 } },
  'both (default)': {},
};

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '3072' },
    rounds: { type: 'string', default: '3' },
    variants: { type: 'string' },
    out: { type: 'string', default: path.join(repoRoot, 'runs/bench/bench-levers.json') },
  },
});
const variants = values.variants
  ? (JSON.parse(values.variants) as Record<string, BenchDaemonSettings>)
  : DEFAULT_VARIANTS;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? Number.NaN;

console.log(
  `levers on ${values.size}² EM texture, ${values.rounds} rounds, load ${loadavg().map((l) => l.toFixed(2))}`,
);
const rigs: [string, SpeedRig][] = [];
try {
  for (const [name, tuning] of Object.entries(variants)) {
    rigs.push([name, await openSpeedRig({ slideSize: Number(values.size), daemon: tuning })]);
  }
  const alone = new Map<string, SlideThroughputLine[]>();
  const loaded = new Map<string, TilesWhileScoringLine[]>();
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [name, rig] of rigs) {
      const a = await rig.alone();
      const t = await rig.withViewers();
      alone.set(name, [...(alone.get(name) ?? []), a]);
      loaded.set(name, [...(loaded.get(name) ?? []), t]);
      console.log(`round ${round} ${slideThroughputLine(rig.slide, a, ` [${name}]`)}`);
      console.log(`round ${round} ${tilesWhileScoringLine(t, ` [${name}]`)}`);
    }
  }
  // Same suggestions? Each variant's last score map against the first variant's (the baseline): Spearman over every
  // cell and the overlap of the top 10.
  const maps = await Promise.all(rigs.map(([, rig]) => rig.scores()));
  const baseline = maps[0] ?? new Map<string, number>();
  const cells = [...baseline.keys()];
  const top = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([k]) => k);
  const agreement = maps.map((m) => ({
    spearman: Number(
      spearman(
        cells.map((c) => baseline.get(c) ?? 0),
        cells.map((c) => m.get(c) ?? 0),
      ).toFixed(3),
    ),
    top10: overlap(top(baseline), top(m)),
  }));
  const summary = rigs.map(([name], i) => {
    const a = alone.get(name) ?? [];
    const t = loaded.get(name) ?? [];
    return {
      name,
      tuning: variants[name],
      cellsPerS: median(a.map((x) => x.cellsPerS)),
      minPerGigapixel: median(a.map((x) => x.minPerGigapixel)),
      tileP50Ms: median(t.map((x) => x.p50Ms)),
      tileP99Ms: median(t.map((x) => x.p99Ms)),
      cellsPerSWithViewers: median(t.map((x) => x.cellsPerS)),
      load: median([...a.map((x) => x.load), ...t.map((x) => x.load)]),
      spearmanVsFirst: agreement[i]?.spearman,
      top10VsFirst: agreement[i]?.top10,
      alone: a,
      withViewers: t,
    };
  });
  for (const s of summary) {
    console.log(
      `lever ${s.name} cells_per_s=${s.cellsPerS} min_per_gigapixel=${s.minPerGigapixel} tiles_p50_ms=${s.tileP50Ms} tiles_p99_ms=${s.tileP99Ms} cells_per_s_with_viewers=${s.cellsPerSWithViewers} load=${s.load} spearman_vs_first=${s.spearmanVsFirst} top10_vs_first=${s.top10VsFirst} settings=${JSON.stringify(s.tuning)}`,
    );
  }
  mkdirSync(path.dirname(values.out), { recursive: true });
  writeFileSync(
    values.out,
    `${JSON.stringify({ date: new Date().toISOString(), size: values.size, summary }, null, 2)}\n`,
  );
} finally {
  for (const [, rig] of rigs) await rig.stop();
}
