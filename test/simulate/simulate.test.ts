import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DATA_DIR } from '../../daemon/src/cli/demo-paths.js';
import { selectBackend } from '../../daemon/src/model/backend.js';
import type { Fold } from '../../daemon/src/simulate/kfold.js';
import type { MetricsRow } from '../../daemon/src/simulate/metrics-row.js';
import { runSimulation, type SimulateOptions, type SimulationEvent } from '../../daemon/src/simulate/run-simulation.js';
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

  it('resumes a killed --retrain finetune run from its saved weights and matches an uninterrupted one', async () => {
    const ft = (out: string, o: Partial<SimulateOptions> = {}) =>
      options(out, { strategies: ['uncertainty'], retrain: 'finetune', heatmaps: false, ...o });
    const whole = await runSimulation(ft(join(root, 'ft-whole')));
    const out = join(root, 'ft-resumed');
    const controller = new AbortController();
    await expect(
      runSimulation(
        ft(out, {
          signal: controller.signal,
          onEvent: (e) => {
            if (e.type === 'iteration' && e.doneIterations === 2) controller.abort(new Error('killed'));
          },
        }),
      ),
    ).rejects.toThrow('killed');
    // Only the latest committed iteration's weights are kept.
    expect(await readdir(join(out, 'state', 'uncertainty-e0'))).toEqual(['it01']);
    const resumed = await runSimulation(ft(out));
    expect(resumed.rows.map((r) => r.iteration)).toEqual([0, 1, 2]);
    expect(stable(resumed.rows)).toEqual(stable(whole.rows));
    expect(await readdir(join(out, 'state', 'uncertainty-e0'))).toEqual(['it02']);
  });

  it('rejects a --kfold it cannot use, naming the flag', async () => {
    await expect(runSimulation(options(join(root, 'k1'), { kfold: 1 }))).rejects.toThrow('--kfold');
    // 2 initial + 2 validation patches cannot fill 5 folds.
    await expect(runSimulation(options(join(root, 'k5'), { kfold: 5 }))).rejects.toThrow(/--kfold 5: needs at least 5/);
  });

  it('with --kfold 2 trains one model per fold, validating every labelled patch exactly once per iteration', async () => {
    const out = join(root, 'kfold');
    const events: SimulationEvent[] = [];
    const result = await runSimulation(
      options(out, { strategies: ['uncertainty'], iterations: 1, kfold: 2, onEvent: (e) => events.push(e) }),
    );
    expect(result.rows.map((r) => r.folds)).toEqual([2, 2]);
    for (const r of result.rows) expect(r.val_dice).toBeGreaterThanOrEqual(0);
    const csv = (await readFile(join(out, 'metrics.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toMatch(/,val_dice,folds,pre_dice,est_dice,est_lo,est_hi,probes$/);
    // folds = 2, then pre_dice and the (empty, no probes) estimate columns.
    expect(csv[1]).toMatch(/,2,[\d.]+,,,,$/);

    const foldEvents = events.filter((e): e is Extract<SimulationEvent, { type: 'folds' }> => e.type === 'folds');
    expect(foldEvents.map((e) => e.iteration)).toEqual([0, 1]);
    const acquired: string[] = [];
    for (const e of foldEvents) {
      const labelled = [...result.split.initial, ...result.split.val, ...acquired].sort();
      expect(e.folds).toHaveLength(2);
      const validated = e.folds.flatMap((f: Fold) => f.val).sort();
      expect(validated).toEqual(labelled);
      for (const f of e.folds) {
        expect(f.val.length).toBeGreaterThan(0);
        expect([...f.train, ...f.val].sort()).toEqual(labelled);
      }
      acquired.push(...(result.rows.find((r) => r.iteration === e.iteration)?.selected ?? []));
    }
    // Both folds' models trained (epoch events from each), and the pool was scored by both.
    const epochFolds = new Set(events.flatMap((e) => (e.type === 'epoch' ? [e.fold] : [])));
    expect(epochFolds).toEqual(new Set([0, 1]));
    const scoring = events.filter((e) => e.type === 'scoring');
    expect(scoring.at(-1)).toMatchObject({ done: expect.any(Number), total: expect.any(Number) });
    const last = scoring.at(-1) as Extract<SimulationEvent, { type: 'scoring' }>;
    expect(last.done).toBe(last.total);
    expect(last.total).toBe(2 * result.split.pool.length);
  });

  it('with --probe-rate labels random probes each iteration, estimates Dice from them, and resumes to the same rows', async () => {
    const pr = (out: string, o: Partial<SimulateOptions> = {}) =>
      options(out, { strategies: ['uncertainty'], probeRate: 0.5, heatmaps: false, ...o });
    const whole = await runSimulation(pr(join(root, 'probe-whole')));
    // Rate 0.5 with one pick per iteration: one probe per iteration, both join the training set.
    expect(whole.rows.map((r) => r.n_train)).toEqual([2, 4, 6]);
    for (const r of whole.rows) {
      expect(r.probes).toHaveLength(1);
      expect(r.selected).not.toContain(r.probes[0]);
      expect(r.est_dice).not.toBeNull();
      expect(r.est_lo as number).toBeLessThanOrEqual(r.est_dice as number);
      expect(r.est_hi as number).toBeGreaterThanOrEqual(r.est_dice as number);
    }
    // Probes never come back, and a probe's label is in the next iteration's training set.
    const probes = whole.rows.flatMap((r) => r.probes);
    expect(new Set(probes).size).toBe(probes.length);
    expect(whole.rows.slice(0, 2).every((r) => r.pre_dice !== null)).toBe(true);
    expect(whole.rows[2]?.pre_dice).toBeNull();
    const csv = (await readFile(join(root, 'probe-whole', 'metrics.csv'), 'utf8')).split('\n')[0] as string;
    expect(csv).toMatch(/,pre_dice,est_dice,est_lo,est_hi,probes$/);
    const summary = await readFile(join(root, 'probe-whole', 'summary.md'), 'utf8');
    expect(summary).toContain('mean absolute error of the estimate (95% CI)');

    const out = join(root, 'probe-resumed');
    const controller = new AbortController();
    await expect(
      runSimulation(
        pr(out, {
          signal: controller.signal,
          onEvent: (e) => {
            if (e.type === 'iteration' && e.doneIterations === 2) controller.abort(new Error('killed'));
          },
        }),
      ),
    ).rejects.toThrow('killed');
    const resumed = await runSimulation(pr(out));
    expect(stable(resumed.rows)).toEqual(stable(whole.rows));
  });

  it('writes the paired verdict table against random with its 95% CI', async () => {
    const summary = await readFile(join(root, 'a', 'summary.md'), 'utf8');
    expect(summary).toContain('| strategy | n | curve area difference (95% CI) | final Dice difference (95% CI) |');
    // One experiment: nothing to resample, so never a verdict of better or worse.
    expect(summary).toMatch(
      /\| uncertainty \| 1 \| .* \| no difference detected \(n = 1\) \| no difference detected \(n = 1\) \|/,
    );
  });
});
