import { describe, expect, it } from 'vitest';
import { metricsRow } from '../testing/metrics-row-fixture.js';
import { MetricsRow } from './metrics-row.js';
import { renderSummary, type WriteReportOptions } from './write-report.js';

const row = metricsRow;

const options: WriteReportOptions = {
  strategies: ['uncertainty', 'random'],
  initialTrain: 2,
  patches: { initial: [], val: [], test: [], pool: [], counts: { initial: 2, val: 1, test: 1 } },
  byId: new Map(),
  preset: {
    name: 'tiny',
    patchSize: 64,
    scale: 0.5,
    unet: { inputSize: 64, levels: 3, baseFilters: 8, dropoutRate: 0.2 },
  } as WriteReportOptions['preset'],
};

/** Experiments whose level varies a lot between seeds, with uncertainty `gain` above random at every iteration. */
function runs(gain: (e: number) => number): MetricsRow[] {
  const rows: MetricsRow[] = [];
  for (let e = 0; e < 6; e++) {
    const base = 0.5 + 0.05 * e;
    for (let it = 0; it <= 3; it++) {
      rows.push(row('random', e, it, base + 0.02 * it));
      rows.push(row('uncertainty', e, it, base + 0.02 * it + (it === 0 ? 0 : gain(e))));
    }
  }
  return rows;
}

/** The strategy's row of the paired table (the first table starts the same way). */
const pairedLine = (md: string, prefix: string) =>
  (md.split('## Against random')[1] ?? '').split('\n').find((l) => l.startsWith(prefix)) as string;

describe('renderSummary', () => {
  it('gives a paired 95% CI and the verdict "better" for a gain that every experiment shows', () => {
    const md = renderSummary(
      runs(() => 0.03),
      options,
    );
    expect(md).toContain('curve area difference (95% CI)');
    expect(md).toContain('final Dice difference (95% CI)');
    const line = pairedLine(md, '| uncertainty | 6 |');
    // Curve area over iterations 0–3 with no gain at 0: (0.015 + 0.03 + 0.03) / 3.
    expect(line).toContain('| +0.025 [+0.025, +0.025] | +0.030 [+0.030, +0.030] |');
    expect(line).toMatch(/\| better \| better \|$/);
  });

  it('says "no difference detected (n = 6)" when the sign flips between experiments', () => {
    const md = renderSummary(
      runs((e) => (e % 2 === 0 ? 0.04 : -0.04)),
      options,
    );
    const line = pairedLine(md, '| uncertainty | 6 |');
    expect(line).toMatch(/no difference detected \(n = 6\) \| no difference detected \(n = 6\) \|$/);
  });

  it('calls a consistent loss worse', () => {
    const md = renderSummary(
      runs(() => -0.02),
      options,
    );
    expect(pairedLine(md, '| uncertainty | 6 |')).toMatch(/\| worse \| worse \|$/);
  });

  it('leaves out experiments that did not run to the end', () => {
    const rows = runs(() => 0.03).filter(
      (r) => !(r.experiment === 5 && r.strategy === 'uncertainty' && r.iteration === 3),
    );
    expect(pairedLine(renderSummary(rows, options), '| uncertainty |')).toMatch(/^\| uncertainty \| 5 \|/);
  });

  it('reports the live estimate error and whether picks were harder than probes', () => {
    // Estimates 0.05 off the true Dice; picks score 0.2 below the probes of their iteration.
    const rows = runs(() => 0.03).map((r) =>
      MetricsRow.parse({
        ...r,
        est_dice: r.dice - 0.05,
        est_lo: r.dice - 0.1,
        est_hi: r.dice + 0.01,
        pre_dice: r.strategy === 'uncertainty' ? 0.5 + r.experiment * 0.01 : 0.7,
        probe_counts: [[70, 15, 15, 1000]],
      }),
    );
    const md = renderSummary(rows, options);
    expect(md).toContain('mean absolute error of the estimate (95% CI)');
    const line = md.split('\n').find((l) => l.startsWith('| uncertainty | 24 |')) as string;
    expect(line).toContain('| 0.050 [0.050, 0.050] | 24/24 |');
    expect(line).toMatch(/\| yes \|$/);
  });
});
