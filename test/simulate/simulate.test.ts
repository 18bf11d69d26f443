import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DATA_DIR } from '../../daemon/src/cli/demo-paths.js';
import { selectBackend } from '../../daemon/src/model/backend.js';
import type { MetricsRow } from '../../daemon/src/simulate/metrics-row.js';
import { runSimulation, type SimulateOptions } from '../../daemon/src/simulate/run-simulation.js';
import { PRESETS, type TrainingPreset } from '../../daemon/src/training/presets.js';
import { makeCropDataset } from './fixture-data.js';

// The tiny preset made smaller still so the whole file runs in well under two minutes on two cores.
const preset: TrainingPreset = {
  ...PRESETS.tiny,
  unet: { inputSize: 64, levels: 3, baseFilters: 4, dropoutRate: 0.2 },
  epochs: 3,
  mcPasses: 4,
  split: { initial: 2, val: 2, test: 4 },
};

let root: string;
let data: string;

const options = (out: string, overrides: Partial<SimulateOptions> = {}): SimulateOptions => ({
  data: { dir: data },
  preset,
  strategies: ['uncertainty', 'random'],
  iterations: 2,
  experiments: 1,
  perIteration: 1,
  retrain: 'scratch',
  seed: 5,
  out,
  heatmaps: true,
  ...overrides,
});

/** The columns that must not depend on timing. */
const stable = (rows: readonly MetricsRow[]) => rows.map(({ train_seconds: _t, scoring_seconds: _s, ...rest }) => rest);

describe('activeseg simulate (end to end on real SEM crops)', () => {
  let first: MetricsRow[];

  beforeAll(async () => {
    await selectBackend({ purpose: 'train' });
    root = await mkdtemp(join(tmpdir(), 'activeseg-sim-'));
    data = await makeCropDataset(join(root, 'data'), DEMO_DATA_DIR);
    first = (await runSimulation(options(join(root, 'a')))).rows;
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes metrics (csv + jsonl), the report figure, the summary and heat-maps', async () => {
    for (const f of ['metrics.csv', 'metrics.jsonl', 'report.svg', 'report.png', 'summary.md']) {
      expect((await stat(join(root, 'a', f))).size).toBeGreaterThan(0);
    }
    const csv = (await readFile(join(root, 'a', 'metrics.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toMatch(
      /^strategy,experiment,iteration,n_train,dice,jaccard,accuracy,precision,sensitivity,specificity/,
    );
    expect(csv).toHaveLength(1 + 2 * 3);
    const png = await readFile(join(root, 'a', 'report.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const summary = await readFile(join(root, 'a', 'summary.md'), 'utf8');
    expect(summary).toContain('| uncertainty |');
    expect(summary).toContain('| random |');
  });

  it('grows the training set by the per-iteration count and moves the chosen patch out of the pool', () => {
    for (const s of ['uncertainty', 'random']) {
      const rows = first.filter((r) => r.strategy === s).sort((a, b) => a.iteration - b.iteration);
      expect(rows.map((r) => r.n_train)).toEqual([2, 3, 4]);
      expect(rows[0]?.selected).toHaveLength(1);
      expect(rows[2]?.selected).toHaveLength(0);
      expect(rows[1]?.selected[0]).not.toBe(rows[0]?.selected[0]);
      for (const r of rows) expect(r.dice).toBeGreaterThanOrEqual(0);
    }
  });

  it('has the uncertainty strategy pick the top-scored patch of the pool', async () => {
    const row = first.find((r) => r.strategy === 'uncertainty' && r.iteration === 0) as MetricsRow;
    const lines = (await readFile(join(root, 'a', 'scores', 'uncertainty-e0-it00.csv'), 'utf8'))
      .trim()
      .split('\n')
      .slice(1);
    const scores = lines.map((l) => {
      const m = /^"(.*)",(.*)$/.exec(l) as RegExpExecArray;
      return { id: m[1] as string, score: Number(m[2]) };
    });
    expect(scores.length).toBeGreaterThan(5);
    const best = scores.reduce((a, b) => (b.score > a.score ? b : a));
    expect(row.selected).toEqual([best.id]);
    expect(row.selected_scores[0]).toBeCloseTo(best.score, 12);
    expect(new Set(scores.map((s) => s.score)).size).toBeGreaterThan(1);
  });

  it('makes random selection depend on the seed', async () => {
    const other = await runSimulation(options(join(root, 'b'), { strategies: ['random'], iterations: 1, seed: 6 }));
    const again = await runSimulation(options(join(root, 'c'), { strategies: ['random'], iterations: 1, seed: 5 }));
    const pick = (rows: MetricsRow[]) => rows.find((r) => r.iteration === 0)?.selected[0];
    expect(pick(again.rows)).toBe(pick(first.filter((r) => r.strategy === 'random')));
    expect(pick(other.rows)).not.toBe(pick(again.rows));
  });

  it('resumes a killed run and ends with the same numbers as an uninterrupted one', async () => {
    const out = join(root, 'resumed');
    const controller = new AbortController();
    await expect(
      runSimulation(
        options(out, {
          signal: controller.signal,
          onEvent: (e) => {
            if (e.type === 'iteration' && e.doneIterations === 2) controller.abort(new Error('killed'));
          },
        }),
      ),
    ).rejects.toThrow('killed');
    const partial = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(partial).toHaveLength(2);
    const resumed = await runSimulation(options(out));
    expect(stable(resumed.rows)).toEqual(stable(first));
  });
});
