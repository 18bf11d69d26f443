import { join } from 'node:path';
import {
  bootstrapMeanCi,
  type ConfidenceInterval,
  connectedComponents,
  pairedComparison,
  pooledDice,
  verdictText,
} from '@activeseg/shared';
import sharp from 'sharp';
import { atomicWrite } from '../store/atomic-write.js';
import type { TrainingPreset } from '../training/presets.js';
import {
  type CurvePoint,
  curveArea,
  curveByIteration,
  experimentOutcomes,
  meanGap,
  patchesToReach,
} from './curve-stats.js';
import type { MetricsRow } from './metrics-row.js';
import { renderReportSvg } from './report-svg.js';
import type { PoolCandidate } from './score-pool.js';
import type { SplitResult } from './split-patches.js';

/** The paper's estimate of manual annotation effort: about 3 minutes per axon. */
export const MINUTES_PER_AXON = 3;

export interface WriteReportOptions {
  readonly strategies: readonly string[];
  readonly initialTrain: number;
  readonly patches: SplitResult;
  readonly byId: ReadonlyMap<string, PoolCandidate>;
  readonly preset: TrainingPreset;
}

const f3 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(3));

/** Mean number of objects (connected myelin components, ≈ axons) per pool patch: the unit of annotation effort. */
function objectsPerPatch(ids: readonly string[], byId: ReadonlyMap<string, PoolCandidate>): number {
  if (ids.length === 0) return 0;
  let total = 0;
  for (const id of ids) {
    const p = byId.get(id);
    if (!p) continue;
    const mask = Uint8Array.from(p.mask, (v, i) => (p.weight[i] ? v : 0));
    total += connectedComponents({ width: p.size, height: p.size, data: mask }, { minSize: 10 }).count;
  }
  return total / ids.length;
}

export function renderSummary(rows: readonly MetricsRow[], options: WriteReportOptions): string {
  const curves = new Map<string, CurvePoint[]>(options.strategies.map((s) => [s, curveByIteration(rows, s)]));
  const random = curves.get('random');
  const randomFinal = random?.[random.length - 1];
  const perPatchObjects = objectsPerPatch(options.patches.pool, options.byId);
  const lines: string[] = [
    '# Active-learning simulation',
    '',
    `Preset \`${options.preset.name}\` (input ${options.preset.patchSize}², ${options.preset.unet.levels} levels, base ${options.preset.unet.baseFilters} filters, scale ${options.preset.scale}).`,
    `Split: ${options.patches.initial.length} initial, ${options.patches.val.length} validation, ${options.patches.test.length} test, ${options.patches.pool.length} pool patches.${options.patches.warning ? ` Note: ${options.patches.warning}.` : ''}`,
    `A pool patch holds on average ${perPatchObjects.toFixed(1)} objects (connected components of the myelin mask, ≈ axons); at ${MINUTES_PER_AXON} min per axon that is ${(perPatchObjects * MINUTES_PER_AXON).toFixed(0)} min of annotation per patch.`,
    '',
    "| strategy | experiments | final Dice (mean ± std) | curve area | mean gap to random | patches to reach random's final Dice | est. annotation time saved |",
    '|---|---|---|---|---|---|---|',
  ];
  for (const [name, curve] of curves) {
    const last = curve[curve.length - 1];
    const gap = random && name !== 'random' ? meanGap(curve, random) : undefined;
    let reach = 'n/a';
    let saved = 'n/a';
    if (randomFinal) {
      const needed = patchesToReach(curve, randomFinal.mean, options.initialTrain);
      // Random's own first crossing of its final level, not its total: a noisy curve can get there early.
      const randomNeeded = patchesToReach(random ?? [], randomFinal.mean, options.initialTrain) ?? 0;
      reach =
        needed === undefined ? 'not reached' : name === 'random' ? `${needed}` : `${needed} (random: ${randomNeeded})`;
      if (needed !== undefined && name !== 'random') {
        const minutes = (randomNeeded - needed) * perPatchObjects * MINUTES_PER_AXON;
        saved = `${(minutes / 60).toFixed(1)} h`;
      }
    }
    lines.push(
      `| ${name} | ${last?.n ?? 0} | ${f3(last?.mean)} ± ${f3(last?.std)} | ${f3(curveArea(curve))} | ${gap === undefined ? '—' : f3(gap)} | ${reach} | ${saved} |`,
    );
  }
  lines.push(...pairedSection(rows, options.strategies), ...probeSection(rows, options.strategies));
  lines.push(
    '',
    '## Mean test Dice per iteration',
    '',
    `| iteration | ${options.strategies.join(' | ')} |`,
    `|---|${options.strategies.map(() => '---').join('|')}|`,
  );
  const maxIt = Math.max(0, ...rows.map((r) => r.iteration));
  for (let it = 0; it <= maxIt; it++) {
    const cells = options.strategies.map((s) => {
      const p = curves.get(s)?.find((c) => c.iteration === it);
      return p ? `${p.mean.toFixed(3)} ± ${p.std.toFixed(3)}` : '';
    });
    lines.push(`| ${it} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  return lines.join('\n');
}

const ci = (c: ConfidenceInterval) => `${signed(c.value)} [${signed(c.lo)}, ${signed(c.hi)}]`;
const signed = (v: number) => (Number.isNaN(v) ? 'n/a' : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`);

/**
 * Each strategy against random, paired by experiment (experiment e of every strategy starts from the same seed and
 * initial set): the mean difference in curve area and in final Dice, with percentile-bootstrap intervals over the
 * experiments, and the verdict those intervals allow.
 */
function pairedSection(rows: readonly MetricsRow[], strategies: readonly string[]): string[] {
  if (!strategies.includes('random')) return [];
  const last = Math.max(0, ...rows.map((r) => r.iteration));
  const random = experimentOutcomes(rows, 'random', last);
  const out = [
    '',
    '## Against random, paired by experiment',
    '',
    'Difference strategy − random (same seed, same initial set), mean over experiments with its 95% CI (percentile bootstrap over experiments); the verdict is `better` or `worse` only when the whole interval is on one side of zero.',
    '',
    '| strategy | n | curve area difference (95% CI) | final Dice difference (95% CI) | verdict (curve area) | verdict (final Dice) |',
    '|---|---|---|---|---|---|',
  ];
  for (const name of strategies) {
    if (name === 'random') continue;
    const mine = experimentOutcomes(rows, name, last);
    const paired = [...mine.values()].filter((o) => random.has(o.experiment));
    const ref = paired.map((o) => random.get(o.experiment) as NonNullable<ReturnType<typeof random.get>>);
    const area = pairedComparison(
      paired.map((o) => o.area),
      ref.map((o) => o.area),
    );
    const final = pairedComparison(
      paired.map((o) => o.final),
      ref.map((o) => o.final),
    );
    out.push(
      `| ${name} | ${paired.length} | ${ci(area.difference)} | ${ci(final.difference)} | ${verdictText(area)} | ${verdictText(final)} |`,
    );
  }
  return out;
}

/**
 * With `--probe-rate`: how far the live estimate (from random probes only) was from the true test Dice, and whether
 * a strategy's picks were harder for the model than random probes (lower pre-annotation Dice), which is what makes an
 * uncertainty informative on this data.
 */
function probeSection(rows: readonly MetricsRow[], strategies: readonly string[]): string[] {
  const withEstimate = rows.filter((r) => r.est_dice !== null);
  if (withEstimate.length === 0) return [];
  const out = [
    '',
    '## The live estimate from random probes',
    '',
    "Each iteration also labelled random pool patches (probes); the daemon's estimator turned their pre-annotation Dice into an estimate of the model's Dice, here compared with the true test Dice of the same model.",
    '',
    '| strategy | rows | mean absolute error of the estimate (95% CI) | true Dice inside the 95% interval | pick pre-annotation Dice − probe pre-annotation Dice (95% CI) | picks harder than probes? |',
    '|---|---|---|---|---|---|',
  ];
  for (const name of strategies) {
    const mine = withEstimate.filter((r) => r.strategy === name);
    if (mine.length === 0) continue;
    const errors = mine.map((r) => Math.abs((r.est_dice as number) - r.dice));
    const inside = mine.filter((r) => (r.est_lo as number) <= r.dice && r.dice <= (r.est_hi as number)).length;
    // Same iteration, same model: the pick's pre-annotation Dice against the probes' (per-probe Dice, pooled counts).
    const diffs = mine
      .filter((r) => r.pre_dice !== null && r.probe_counts.length > 0)
      .map((r) => (r.pre_dice as number) - pooledDice(r.probe_counts.map(([tp, fp, fn, tn]) => ({ tp, fp, fn, tn }))));
    const diff = bootstrapMeanCi(diffs);
    const harder =
      diff.n < 2
        ? `too few (n = ${diff.n})`
        : diff.hi < 0
          ? 'yes'
          : diff.lo > 0
            ? 'no: easier'
            : `not detected (n = ${diff.n})`;
    out.push(
      `| ${name} | ${mine.length} | ${ci(bootstrapMeanCi(errors)).replace(/[+]/g, '')} | ${inside}/${mine.length} | ${name === 'random' ? '— (random picks are probes too)' : ci(diff)} | ${name === 'random' ? '—' : harder} |`,
    );
  }
  return out;
}

/** Writes report.svg, report.png (rasterised by libvips) and summary.md from the rows so far. */
export async function writeReport(
  out: string,
  rows: readonly MetricsRow[],
  options: WriteReportOptions,
): Promise<void> {
  const series = options.strategies.map((name) => ({ name, curve: curveByIteration(rows, name) }));
  const svg = renderReportSvg(series, {
    title: `Test Dice per active-learning iteration (${options.preset.name})`,
  });
  const enc = new TextEncoder();
  await atomicWrite(join(out, 'report.svg'), enc.encode(svg));
  const png = await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
  await atomicWrite(join(out, 'report.png'), png);
  await atomicWrite(join(out, 'summary.md'), enc.encode(renderSummary(rows, options)));
}
