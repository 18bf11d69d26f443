/**
 * What the base model buys on subjects it never saw. For each subject of the data set: a base model trained as the
 * shipped one is (same recipe) on every other subject, then 0, 1, 2 and 5 annotated 512² cells of the held-out subject,
 * fine-tuned from that base vs trained from scratch exactly as the daemon's training jobs do; Dice on the subject's
 * other cells. Prints a markdown table (docs/base-model.md holds the last run).
 *
 *   npm run base-vs-scratch [-- --data ../shared/data/axondeepseg-sem --subjects sub-rat1,sub-rat8 --shots 0,1,2,5]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DEMO_BASE_MODEL_RECIPE } from '../daemon/src/cli/base-model.js';
import { DEMO_DATA_DIR } from '../daemon/src/cli/demo-paths.js';
import { initBackend } from '../daemon/src/cli/init-backend.js';
import {
  annotationCells,
  baseVsScratch,
  heldOutShots,
  maxShotsFor,
  type ShotResult,
} from '../daemon/src/simulate/base-vs-scratch.js';
import { loadSimulationPatches } from '../daemon/src/simulate/load-simulation-patches.js';
import { subjectOf } from '../daemon/src/simulate/split-patches.js';
import { trainBaseModel } from '../daemon/src/simulate/train-base-model.js';
import { PRESETS } from '../daemon/src/training/presets.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: DEMO_DATA_DIR },
    subjects: { type: 'string' },
    shots: { type: 'string', default: '0,1,2,5' },
    'base-epochs': { type: 'string', default: String(DEMO_BASE_MODEL_RECIPE.epochs) },
    seed: { type: 'string', default: String(DEMO_BASE_MODEL_RECIPE.seed) },
  },
});
const preset = PRESETS.tiny;
const counts = values.shots.split(',').map(Number);
const seed = Number(values.seed);
const started = Date.now();
const load0 = loadavg()[0]?.toFixed(1);
console.error(`backend: ${await initBackend({ purpose: 'train' })}`);
const { patches } = await loadSimulationPatches({ dir: values.data, patchSize: preset.patchSize, scale: preset.scale });
const subjects = values.subjects?.split(',') ?? [...new Set(patches.map((p) => subjectOf(p.sourceId)))].sort();

const rows: { subject: string; results: ShotResult[]; baseVal: number }[] = [];
for (const subject of subjects) {
  console.error(`${subject}: base model on the other subjects (${values['base-epochs']} epochs)…`);
  const { trained: base } = await trainBaseModel({
    dataDir: values.data,
    preset,
    epochs: Number(values['base-epochs']),
    seed,
    exclude: [subject],
  });
  const mine = patches.filter((p) => subjectOf(p.sourceId) === subject);
  const cells = annotationCells(mine, { scale: preset.scale, patchSize: preset.patchSize, seed }).length;
  // A small subject cannot give 5 cells and still keep as many to test on: its larger shot counts are left out.
  const fit = counts.filter((k) => k <= maxShotsFor(cells));
  if (fit.length < counts.length) {
    console.error(
      `  ${subject}: ${cells} cells, so at most ${maxShotsFor(cells)} annotated; left out ${counts.filter((k) => !fit.includes(k))}`,
    );
  }
  const shots = heldOutShots(mine, {
    scale: preset.scale,
    patchSize: preset.patchSize,
    maxShots: Math.max(...fit),
    seed,
  });
  const results = await baseVsScratch({ base, shots, counts: fit, preset, seed });
  for (const r of results) {
    console.error(
      `  ${r.shots} cells: base ${r.fromBase.toFixed(3)}${r.fromScratch === undefined ? '' : ` scratch ${r.fromScratch.toFixed(3)}`}`,
    );
  }
  rows.push({ subject, results, baseVal: base.bestValDice });
  base.model.dispose();
}

const f = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(3));
const header = counts.map((k) => `${k} cells: base / scratch`);
const lines = [
  `| held-out subject | ${header.join(' | ')} |`,
  `|---|${counts.map(() => '---').join('|')}|`,
  ...rows.map(
    (r) =>
      `| ${r.subject} | ${counts
        .map((k) => r.results.find((x) => x.shots === k))
        .map((x) => (x ? `${f(x.fromBase)} / ${f(x.fromScratch)}` : '—'))
        .join(' | ')} |`,
  ),
];
const mean = (k: number, pick: (x: ShotResult) => number | undefined) => {
  const v = rows
    .map((r) => r.results.find((x) => x.shots === k))
    .map((x) => (x ? pick(x) : undefined))
    .filter((x) => x !== undefined);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
};
lines.push(
  `| **mean** | ${counts.map((k) => `**${f(mean(k, (x) => x.fromBase))} / ${f(mean(k, (x) => x.fromScratch))}**`).join(' | ')} |`,
);
console.log(lines.join('\n'));
console.log(
  `\n${subjects.length} subjects, ${((Date.now() - started) / 60000).toFixed(1)} min on ${cpus().length} cores, load average ${load0} at start, ${loadavg()[0]?.toFixed(1)} at end`,
);
