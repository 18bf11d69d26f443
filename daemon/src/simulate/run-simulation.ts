import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createRng,
  estimateAccuracy,
  getAcquisition,
  metricsFromCounts,
  type PatchScore,
  PROBE_ESTIMATOR,
  type ProbeObservation,
  selectTopK,
  shuffled,
  sumConfusionCounts,
} from '@activeseg/shared';
import type { MaskMapping } from '../data/mask-mapping.js';
import { createMcRunner, type McRunner } from '../inference/create-mc-runner.js';
import { uncertaintyMap } from '../inference/uncertainty-map.js';
import { atomicWrite } from '../store/atomic-write.js';
import { normalizeInto } from '../training/normalization-stats.js';
import type { TrainingPreset } from '../training/presets.js';
import { type TrainedModel, type TrainModelResult, trainModel } from '../training/train-model.js';
import type { TrainStepEngineChoice } from '../training/train-step-engine.js';
import { ensembleCounts } from './ensemble-counts.js';
import { loadIterationState, pruneIterationState, saveIterationState } from './finetune-state.js';
import { assignFolds, checkKfold, type Fold } from './kfold.js';
import { loadSimulationPatches } from './load-simulation-patches.js';
import { MetricsRow, toCsv } from './metrics-row.js';
import { type PoolCandidate, scorePool } from './score-pool.js';
import { type SplitCounts, type SplitResult, splitPatches, subjectOf } from './split-patches.js';
import { STRATEGIES, type StrategyName } from './strategies.js';
import { writeHeatmap } from './write-heatmap.js';
import { writeReport } from './write-report.js';

export interface SimulateOptions {
  readonly data: { dir: string; images?: string; masks?: string; mapping?: MaskMapping };
  readonly preset: TrainingPreset;
  readonly strategies: readonly StrategyName[];
  readonly iterations: number;
  readonly experiments: number;
  readonly split?: Partial<SplitCounts>;
  readonly perIteration: number;
  readonly retrain: 'scratch' | 'finetune';
  readonly seed: number;
  readonly out: string;
  readonly loss?: 'dice' | 'wbce';
  readonly epochs?: number;
  readonly mcPasses?: number;
  /** Write the paper's Figs. 7–8 style uncertainty heat-maps of the selected patches (experiment 0). Default true. */
  readonly heatmaps?: boolean;
  /** Monte-Carlo runtime: 'auto' (onnxruntime when it loads, else tfjs; default) or 'tfjs'. */
  readonly mcRuntime?: 'auto' | 'tfjs';
  /** Train-step engine (default 'auto': onnxruntime on CPU tfjs backends, see training/train-step-engine.ts). */
  readonly trainEngine?: TrainStepEngineChoice;
  /**
   * k-fold cross-validation of the validation set (off when undefined): every iteration the labelled set (training +
   * validation patches) is split into K folds (see `assignFolds`), K models are trained (model k validates on fold k,
   * trains on the rest), and test metrics and pool scores come from their ensemble.
   */
  readonly kfold?: number;
  /**
   * Random probes (off when 0 or unset): each iteration also labels uniformly drawn pool patches — enough that they are
   * this fraction of all labelled patches, at least one — whose pre-annotation scores feed the daemon's live accuracy
   * estimator (`estimateAccuracy`); they join the training set like any annotation. In [0, 1).
   */
  readonly probeRate?: number;
  /** Subject-name prefixes that form the test set (all their patches); unset: drawn by seed. */
  readonly testSubjects?: readonly string[];
  readonly onEvent?: (event: SimulationEvent) => void;
  readonly signal?: AbortSignal;
}

export type SimulationEvent =
  | { type: 'start'; totalIterations: number; doneIterations: number; split: SplitResult; patches: number }
  | { type: 'iteration-start'; strategy: string; experiment: number; iteration: number }
  | {
      type: 'epoch';
      strategy: string;
      experiment: number;
      iteration: number;
      epoch: number;
      epochs: number;
      loss: number;
      valDice: number;
      /** Which fold's model (only with `kfold`). */
      fold?: number;
    }
  | {
      /** With `kfold`: the iteration's folds, before any of their models trains. */
      type: 'folds';
      strategy: string;
      experiment: number;
      iteration: number;
      folds: readonly Fold[];
    }
  | { type: 'scoring'; done: number; total: number }
  | { type: 'iteration'; row: MetricsRow; doneIterations: number; totalIterations: number };

export interface SimulateResult {
  readonly rows: MetricsRow[];
  readonly split: SplitResult;
  readonly out: string;
}

/** Run settings that must match for `--out` to be resumed; anything else would mix two experiments in one file. */
function runKey(o: SimulateOptions) {
  return {
    data: {
      dir: o.data.dir,
      images: o.data.images ?? 'images',
      masks: o.data.masks ?? 'masks-myelin',
      mapping: o.data.mapping ?? null,
    },
    preset: o.preset,
    iterations: o.iterations,
    experiments: o.experiments,
    split: o.split ?? {},
    perIteration: o.perIteration,
    retrain: o.retrain,
    seed: o.seed,
    loss: o.loss ?? 'dice',
    epochs: o.epochs ?? o.preset.epochs,
    mcPasses: o.mcPasses ?? o.preset.mcPasses,
    // Only when set, so folders written before the flag existed still resume.
    ...(o.kfold === undefined ? {} : { kfold: o.kfold }),
    ...(o.probeRate ? { probeRate: o.probeRate } : {}),
    ...(o.testSubjects === undefined ? {} : { testSubjects: o.testSubjects }),
  };
}

/** Same (experiment, iteration) → same training seed for every strategy, so iteration 0 is one shared baseline. */
export function iterationSeed(seed: number, experiment: number, iteration: number): number {
  return (
    (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(experiment + 1, 0x85ebca6b) ^ Math.imul(iteration + 1, 0xc2b2ae35)) >>>
      0 || 1
  );
}

async function readRows(path: string): Promise<MetricsRow[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const rows: MetricsRow[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim();
    if (!line) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      // A torn last line is what a kill mid-append leaves; anything earlier is corruption.
      if (i >= lines.length - 2) break;
      throw new Error(`${path}:${i + 1}: not valid JSON; refusing to resume over a corrupt metrics file`);
    }
    rows.push(MetricsRow.parse(parsed));
  }
  return rows;
}

async function appendDurable(path: string, line: string): Promise<void> {
  await appendFile(path, line);
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A fold's seed: fold 0 keeps the iteration seed, so a run without `kfold` is unchanged. */
function foldSeed(seed: number, fold: number): number {
  return fold === 0 ? seed : (seed ^ Math.imul(fold, 0x27d4eb2f)) >>> 0 || 1;
}

/** Adds `b` into `a` element-wise and returns `a`. */
function addInto(a: Float32Array, b: Float32Array): Float32Array {
  for (let k = 0; k < a.length; k++) a[k] = (a[k] as number) + (b[k] as number);
  return a;
}

/** Per-patch mean of the folds' scores (all lists are in the same candidate order); one list is returned as is. */
function meanScores(perFold: readonly PatchScore[][]): PatchScore[] {
  const first = perFold[0] ?? [];
  if (perFold.length === 1) return first;
  return first.map((sc, i) => ({
    ...sc,
    score: perFold.reduce((a, f) => a + (f[i] as PatchScore).score, 0) / perFold.length,
  }));
}

/** Probes per iteration so that they make up `rate` of the labelled patches: at least one whenever the rate is set. */
export function probesPerIteration(rate: number, perIteration: number): number {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`--probe-rate: expected a number in [0, 1), got ${rate}`);
  return rate === 0 ? 0 : Math.max(1, Math.round((perIteration * rate) / (1 - rate)));
}

/**
 * The paper's experiment: for every strategy and experiment, train on the labelled set, evaluate on the fixed test set,
 * score the pool, move the chosen patches into the training set, repeat. Every finished iteration is appended durably
 * to metrics.jsonl, so a killed run started again with the same `out` continues where it stopped and ends with the same
 * numbers (training and scoring are seeded per experiment and iteration).
 */
export async function runSimulation(options: SimulateOptions): Promise<SimulateResult> {
  const { preset } = options;
  await mkdir(options.out, { recursive: true });
  const keyPath = join(options.out, 'run.json');
  const key = runKey(options);
  let keyExists = true;
  try {
    const previous = JSON.parse(await readFile(keyPath, 'utf8')) as unknown;
    if (JSON.stringify(previous) !== JSON.stringify(key)) {
      throw new Error(
        `${keyPath}: this output folder holds a run with other settings; use another --out or delete the folder`,
      );
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    keyExists = false;
  }

  const { patches } = await loadSimulationPatches({
    ...options.data,
    patchSize: preset.patchSize,
    scale: preset.scale,
  });
  const byId = new Map(patches.map((p) => [p.id, p]));
  const counts: SplitCounts = { ...preset.split, ...options.split };
  const split = splitPatches(
    patches.map((p) => ({ id: p.id, group: subjectOf(p.sourceId) })),
    {
      counts,
      poolNeeded:
        options.iterations * (options.perIteration + probesPerIteration(options.probeRate ?? 0, options.perIteration)),
      seed: options.seed,
      ...(options.testSubjects === undefined ? {} : { testGroups: options.testSubjects }),
    },
  );
  const probesPer = probesPerIteration(options.probeRate ?? 0, options.perIteration);
  const get = (id: string) => byId.get(id) as PoolCandidate;
  const folds = options.kfold ?? 1;
  if (options.kfold !== undefined) checkKfold(options.kfold, split.initial.length + split.val.length);
  // Written once the settings are known to be usable, so a rejected flag never pins the folder to it.
  if (!keyExists) await atomicWrite(keyPath, new TextEncoder().encode(`${JSON.stringify(key, null, 2)}\n`));
  const val = split.val.map(get);
  const test = split.test.map(get);

  const jsonlPath = join(options.out, 'metrics.jsonl');
  const rows = await readRows(jsonlPath);
  const done = new Map(rows.map((r) => [`${r.strategy}/${r.experiment}/${r.iteration}`, r]));
  const totalIterations = options.strategies.length * options.experiments * (options.iterations + 1);
  let doneIterations = rows.length;
  options.onEvent?.({ type: 'start', totalIterations, doneIterations, split, patches: patches.length });

  const epochs = options.epochs ?? preset.epochs;
  const passes = options.mcPasses ?? preset.mcPasses;
  const heatmapDir = join(options.out, 'heatmaps');

  for (let experiment = 0; experiment < options.experiments; experiment++) {
    for (const strategy of options.strategies) {
      const spec = STRATEGIES[strategy];
      const trainIds = [...split.initial];
      const pool = new Set(split.pool);
      const probeLog: ProbeObservation[] = [];
      let previous: TrainedModel[] | undefined;
      for (let iteration = 0; iteration <= options.iterations; iteration++) {
        if (options.signal?.aborted) throw options.signal.reason ?? new Error('simulation cancelled');
        const finished = done.get(`${strategy}/${experiment}/${iteration}`);
        if (finished) {
          for (const id of [...finished.selected, ...finished.probes]) {
            trainIds.push(id);
            pool.delete(id);
          }
          for (const [tp, fp, fn, tn] of finished.probe_counts)
            probeLog.push({ version: iteration, counts: { tp, fp, fn, tn } });
          continue;
        }
        if (options.retrain === 'finetune' && iteration > 0 && previous === undefined) {
          // Resumed: the weights the last committed row was trained to, saved before that row was appended.
          previous = await loadIterationState(options.out, { strategy, experiment, iteration: iteration - 1 }, folds);
        }
        options.onEvent?.({ type: 'iteration-start', strategy, experiment, iteration });
        const seed = iterationSeed(options.seed, experiment, iteration);
        let plans: { train: PoolCandidate[]; val: PoolCandidate[] }[];
        if (options.kfold === undefined) {
          plans = [{ train: trainIds.map(get), val }];
        } else {
          const assigned = assignFolds(
            [...split.initial, ...split.val],
            trainIds.slice(split.initial.length),
            folds,
            iterationSeed(options.seed, experiment, 0) ^ 0x3c6ef372,
          );
          options.onEvent?.({ type: 'folds', strategy, experiment, iteration, folds: assigned });
          plans = assigned.map((f) => ({ train: f.train.map(get), val: f.val.map(get) }));
        }
        const trained: TrainModelResult[] = [];
        try {
          for (let fold = 0; fold < plans.length; fold++) {
            const plan = plans[fold] as (typeof plans)[number];
            const init = options.retrain === 'finetune' ? previous?.[fold] : undefined;
            trained.push(
              await trainModel({
                train: plan.train,
                val: plan.val,
                unet: { ...preset.unet, loss: options.loss ?? 'dice' },
                epochs,
                batchSize: preset.batchSize,
                stepsPerEpoch: preset.stepsPerEpoch,
                learningRate: preset.learningRate,
                seed: foldSeed(seed, fold),
                ...(init ? { init } : {}),
                ...(options.trainEngine ? { engine: options.trainEngine } : {}),
                onEpoch: (r) =>
                  options.onEvent?.({
                    type: 'epoch',
                    strategy,
                    experiment,
                    iteration,
                    epoch: r.epoch,
                    epochs: r.epochs,
                    loss: r.loss,
                    valDice: r.valDice,
                    ...(options.kfold === undefined ? {} : { fold }),
                  }),
                ...(options.signal ? { signal: options.signal } : {}),
              }),
            );
          }
        } catch (err) {
          for (const t of trained) t.model.dispose();
          throw err;
        }
        const metrics = metricsFromCounts(sumConfusionCounts(ensembleCounts(trained, test)));

        let selected: PatchScore[] = [];
        const scoreStart = Date.now();
        const candidates = [...pool].sort().map(get);
        if (iteration < options.iterations && candidates.length > 0) {
          const rng = createRng(seed ^ 0x5bd1e995);
          const acquisition = getAcquisition(spec.acquisition, { rng });
          const runners: McRunner[] = [];
          try {
            let scores: PatchScore[];
            if (spec.acquisition === 'random') {
              scores = candidates.map((p) => ({ id: p.id, score: rng.next(), x: p.x, y: p.y }));
            } else {
              // Ensemble pool score (kfold): the mean over the K models of each model's own acquisition score (each
              // from its own MC-dropout passes), so every model weighs equally and every acquisition function,
              // BALD included, keeps its single-model meaning. With one model this is that model's score.
              const perFold: PatchScore[][] = [];
              for (let fold = 0; fold < trained.length; fold++) {
                const t = trained[fold] as TrainModelResult;
                const s = foldSeed(seed, fold);
                const runner = await createMcRunner(t.model, {
                  onnx: options.mcRuntime !== 'tfjs',
                  seed: s,
                  batchSize: 10,
                });
                runners.push(runner);
                perFold.push(
                  await scorePool(candidates, {
                    sampler: { mcPredict: (patch, o) => runner.run(patch, { ...o, size: preset.patchSize }) },
                    acquisition,
                    normalization: t.normalization,
                    passes,
                    seed: s,
                    keepSamples: spec.acquisition === 'bald',
                    onPatch: (d, n) =>
                      options.onEvent?.({ type: 'scoring', done: fold * n + d, total: trained.length * n }),
                  }),
                );
              }
              scores = meanScores(perFold);
            }
            // Every pool score, so a figure or an audit can check why a patch was picked.
            const scoreCsv = ['id,score', ...scores.map((sc) => `"${sc.id}",${sc.score}`)].join('\n');
            await atomicWrite(
              join(options.out, 'scores', `${strategy}-e${experiment}-it${String(iteration).padStart(2, '0')}.csv`),
              new TextEncoder().encode(`${scoreCsv}\n`),
              { durable: false },
            );
            selected = selectTopK(scores, options.perIteration, {
              strategy: spec.select,
              minDistance: preset.patchSize * 2,
            });
            if (options.heatmaps !== false && experiment === 0 && spec.acquisition !== 'random') {
              for (const s of selected) {
                const p = get(s.id);
                // With kfold: the models' uncertainty maps and mean probabilities, averaged.
                let map: Float32Array | undefined;
                let mean: Float32Array | undefined;
                for (let fold = 0; fold < trained.length; fold++) {
                  const t = trained[fold] as TrainModelResult;
                  const norm = new Float32Array(p.image.length);
                  normalizeInto(norm, 0, p.image, t.normalization);
                  const mc = await (runners[fold] as McRunner).run(norm, {
                    size: p.size,
                    passes,
                    seed: foldSeed(seed, fold),
                    keepSamples: false,
                  });
                  const m = uncertaintyMap(mc.mean, mc.std, p.size);
                  map = map ? addInto(map, m) : m;
                  mean = mean ? addInto(mean, mc.mean) : mc.mean;
                }
                if (!map || !mean) continue;
                if (trained.length > 1) {
                  for (let k = 0; k < map.length; k++) {
                    map[k] = (map[k] as number) / trained.length;
                    mean[k] = (mean[k] as number) / trained.length;
                  }
                }
                await writeHeatmap(
                  join(
                    heatmapDir,
                    `${strategy}-${options.loss ?? 'dice'}-it${String(iteration).padStart(2, '0')}-${s.id.replace(/[^\w.@,-]/g, '_')}.png`,
                  ),
                  { image: p.image, map, mean, size: p.size },
                );
              }
            }
          } finally {
            for (const r of runners) await r.dispose();
          }
        }
        const scoringSeconds = (Date.now() - scoreStart) / 1000;

        // What a person would see before labelling: this model on the acquired patches and on the random probes.
        const preDice =
          selected.length === 0
            ? null
            : metricsFromCounts(
                sumConfusionCounts(
                  ensembleCounts(
                    trained,
                    selected.map((sc) => get(sc.id)),
                  ),
                ),
              ).dice;
        const chosen = new Set(selected.map((sc) => sc.id));
        const probeIds =
          probesPer === 0
            ? []
            : shuffled(
                candidates.filter((p) => !chosen.has(p.id)).map((p) => p.id),
                createRng(seed ^ 0x2545f491),
              ).slice(0, probesPer);
        const probeCounts = ensembleCounts(trained, probeIds.map(get));
        for (const counts of probeCounts) probeLog.push({ version: iteration, counts });
        const estimate =
          probesPer === 0 ? undefined : estimateAccuracy(probeLog, iteration, { ...PROBE_ESTIMATOR, seed });

        const mean = (f: (t: TrainModelResult) => number) => trained.reduce((a, t) => a + f(t), 0) / trained.length;
        const row: MetricsRow = {
          strategy,
          experiment,
          iteration,
          n_train: trainIds.length,
          ...metrics,
          selected: selected.map((s) => s.id),
          selected_scores: selected.map((s) => s.score),
          train_seconds: trained.reduce((a, t) => a + t.seconds, 0),
          scoring_seconds: scoringSeconds,
          // With kfold: the folds' mean best epoch (rounded) and mean best validation Dice.
          best_epoch:
            trained.length === 1 ? (trained[0] as TrainModelResult).bestEpoch : Math.round(mean((t) => t.bestEpoch)),
          val_dice: trained.length === 1 ? (trained[0] as TrainModelResult).bestValDice : mean((t) => t.bestValDice),
          folds,
          pre_dice: preDice,
          probes: probeIds,
          probe_counts: probeCounts.map((c) => [c.tp, c.fp, c.fn, c.tn]),
          est_dice: estimate?.dice.value ?? null,
          est_lo: estimate?.dice.lo ?? null,
          est_hi: estimate?.dice.hi ?? null,
        };
        const stateKey = { strategy, experiment, iteration };
        // Weights first, row second: a committed finetune row always has the weights its successor starts from.
        if (options.retrain === 'finetune') await saveIterationState(options.out, stateKey, trained);
        await appendDurable(jsonlPath, `${JSON.stringify(row)}\n`);
        if (options.retrain === 'finetune') await pruneIterationState(options.out, stateKey);
        rows.push(row);
        doneIterations++;
        options.onEvent?.({ type: 'iteration', row, doneIterations, totalIterations });
        for (const id of [...selected.map((sc) => sc.id), ...probeIds]) {
          trainIds.push(id);
          pool.delete(id);
        }
        for (const t of previous ?? []) t.model.dispose();
        previous = trained;
      }
      for (const t of previous ?? []) t.model.dispose();
    }
  }
  const ordered = rows.sort(
    (a, b) => a.strategy.localeCompare(b.strategy) || a.experiment - b.experiment || a.iteration - b.iteration,
  );
  await atomicWrite(join(options.out, 'metrics.csv'), new TextEncoder().encode(toCsv(ordered)));
  await writeReport(options.out, ordered, {
    strategies: options.strategies,
    initialTrain: split.initial.length,
    patches: split,
    byId,
    preset,
  });
  return { rows: ordered, split, out: options.out };
}
