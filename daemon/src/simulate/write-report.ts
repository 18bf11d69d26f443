import { join } from 'node:path';
import { connectedComponents } from '@activeseg/shared';
import sharp from 'sharp';
import { atomicWrite } from '../store/atomic-write.js';
import type { TrainingPreset } from '../training/presets.js';
import { type CurvePoint, curveArea, curveByIteration, meanGap, patchesToReach } from './curve-stats.js';
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
