import {
  type AcquisitionFunction,
  affineValues,
  createRng,
  foregroundDistance,
  getAcquisition,
  isAcquisitionName,
  type McSummary,
} from '@activeseg/shared';
import { cutPatches } from '../data/cut-patches.js';
import { downscaleImage, downscalePair } from '../data/downscale.js';
import { ApiError } from '../errors/api-error.js';
import { meanStdFactor } from '../inference/adaptive-mc.js';
import { createMcRunner, type McRunner, type McRunnerTuning } from '../inference/create-mc-runner.js';
import {
  createUnet,
  type LoadedBundle,
  loadBundle,
  restoreWeights,
  saveBundle,
  snapshotWeights,
  type UnetConfig,
} from '../model/index.js';
import { splitAnnotatedPatches } from '../training/annotated-split.js';
import type { NormalizationStats } from '../training/normalization-stats.js';
import type { TrainingPreset } from '../training/presets.js';
import { evaluateDice, type TrainedModel, trainModel } from '../training/train-model.js';
import { resolveTrainStepEngine } from '../training/train-step-engine.js';
import type { TrainingPatch as CutPatch } from '../training/training-patch.js';
import { backendLabel } from './backend-label.js';
import type {
  ModelEngine,
  ScorePatchOptions,
  ScorePatchResult,
  TrainOptions,
  TrainResult,
} from './model-engine-api.js';
import { listVersions, readCurrentVersion, versionDir, writeCurrentVersion } from './model-store.js';
import { upsampleNearest } from './resample.js';

/**
 * Model-scale pixels of context read around each slide cell on every side before it is scored; the prediction is
 * kept for the cell only. A multiple of 16 (the paper net's four poolings; the tiny net's two need 4): cells are a
 * multiple of 16 apart too, so every window's pooling grid lies on one lattice and a pixel is pooled the same way in
 * its own cell's window and in its neighbour's. The value: see docs/performance.md, "Context margin".
 */
export const CONTEXT_MARGIN = 32;

interface Current extends TrainedModel {
  readonly version: number;
  /** Image scale the model was trained at (patches are downscaled by it before inference). */
  readonly scale: number;
  /** Fully convolutional copies of the trained model at other input sizes, made on demand. */
  readonly bySize: Map<number, McRunner>;
  /** Calls using this model now; a replaced model is disposed when the last one ends, never under a running call. */
  users: number;
  retired: boolean;
}

export interface ModelEngineOptions {
  /** Folder of model versions (`v0001/`, …), each a bundle. */
  modelsDir: string;
  /** Architecture, scale and training settings for new models. */
  preset: TrainingPreset;
  /** tfjs backend chosen at start-up, reported to viewers. */
  tfjsBackend: string;
  /** Use onnxruntime for Monte-Carlo inference when it loads (default true). */
  onnx?: boolean;
  mcPasses?: number;
  /**
   * Model-scale pixels of context read around each slide cell, on every side (default `CONTEXT_MARGIN`); 0 scores
   * each cell alone, which leaves a visible grid of seams in the overlays.
   */
  contextMargin?: number;
  /** How the onnxruntime MC runner uses the machine (threads, batch, priority); the defaults are the measured best. */
  mcRunner?: McRunnerTuning;
  seed?: number;
  log?: (message: string, err?: unknown) => void;
}

export interface ReloadableModelEngine extends ModelEngine {
  /** Level-0 pixels of context per side: the engine's `contextMargin` (model pixels) at the current model's scale. */
  contextMargin(): number;
  /**
   * Loads the current version (`models/current.json`; without one, the newest). An unreadable one is skipped with a
   * log line for the next older readable version.
   */
  reload(): Promise<number>;
  /** Saves a trained model as the next version and, unless `makeCurrent` is false, makes it current. */
  adopt(trained: TrainedModel, info: Record<string, unknown>, options?: { makeCurrent?: boolean }): Promise<number>;
  /**
   * Makes any stored version current (promote one kept aside, or roll back). MODEL_VERSION_UNKNOWN when there is no
   * such version, MODEL_VERSION_UNREADABLE when its bundle does not load (the current version stays).
   */
  promote(version: number): Promise<{ current: number; previous: number }>;
  dispose(): Promise<void>;
}

/**
 * The daemon's model: the current U-Net version, Monte-Carlo scoring of slide patches (onnxruntime when available,
 * tfjs otherwise) and training jobs that fine-tune or retrain it on the project's annotations. Slide patches (e.g.
 * 512²) are downscaled to the model's scale and run through a fully convolutional copy of the network of that size,
 * so one trained model serves every patch size.
 */
export async function createModelEngine(options: ModelEngineOptions): Promise<ReloadableModelEngine> {
  const log = options.log ?? (() => {});
  const passes = options.mcPasses ?? options.preset.mcPasses;
  const margin = options.contextMargin ?? CONTEXT_MARGIN;
  if (!Number.isInteger(margin) || margin < 0) {
    throw new RangeError(`contextMargin must be a non-negative integer (model pixels), got ${margin}`);
  }
  let current: Current | undefined;
  let seedCounter = options.seed ?? 1;
  const useOnnx = options.onnx ?? true;
  let mcRuntime: McRunner['runtime'] = useOnnx && (await onnxRuntimeLoads()) ? 'onnxruntime-cpu' : 'tfjs';
  const trainingEngine = (await resolveTrainStepEngine('auto')).engine;

  const release = async (c: Current) => {
    if (!c.retired || c.users > 0) return;
    for (const r of c.bySize.values()) await r.dispose();
    c.bySize.clear();
    c.model.dispose();
  };
  /** Runs `fn` with `c` kept alive even if another version becomes current meanwhile. */
  const using = async <T>(c: Current, fn: () => Promise<T>): Promise<T> => {
    c.users++;
    try {
      return await fn();
    } finally {
      c.users--;
      await release(c);
    }
  };
  const setCurrent = async (next: Current | undefined) => {
    const old = current;
    current = next;
    if (old && old !== next) {
      old.retired = true;
      await release(old);
    }
  };
  const fromBundle = (version: number, b: LoadedBundle): Current => ({
    version,
    model: b.model,
    config: b.config,
    normalization: b.normalization,
    scale: typeof b.info?.scale === 'number' ? b.info.scale : 1,
    bySize: new Map(),
    users: 0,
    retired: false,
  });
  // Saving a version, promoting and reloading each read the versions on disk and then write: one at a time.
  let lock: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = lock.then(fn, fn);
    lock = run.catch(() => {});
    return run;
  };

  /** Runners being created, per model and window size: concurrent cells (two in flight) must share one. */
  const creating = new WeakMap<Current, Map<number, Promise<McRunner>>>();
  const runnerFor = (c: Current, size: number): Promise<McRunner> => {
    const existing = c.bySize.get(size);
    if (existing) return Promise.resolve(existing);
    let pending = creating.get(c);
    if (!pending) {
      pending = new Map();
      creating.set(c, pending);
    }
    const inFlight = pending.get(size);
    if (inFlight) return inFlight;
    // A second runner for the same size would overwrite the first in `bySize`, leaving its worker thread (and its
    // onnxruntime threads) running until the process exits, which then never exits on its own.
    const created = createRunner(c, size).finally(() => pending.delete(size));
    pending.set(size, created);
    return created;
  };
  const createRunner = async (c: Current, size: number): Promise<McRunner> => {
    const model = createUnet({ ...c.config, inputSize: size, initSeed: 1 });
    restoreWeights(model, snapshotWeights(c.model));
    const inner = await createMcRunner(model, { onnx: useOnnx, serving: true, ...options.mcRunner });
    if (inner.runtime !== 'tfjs') model.dispose();
    if (inner.runtime !== mcRuntime) {
      log(`Monte-Carlo inference runs on ${inner.runtime}, not ${mcRuntime} as expected at start-up`);
      mcRuntime = inner.runtime;
    }
    const runner: McRunner = {
      runtime: inner.runtime,
      run: inner.run,
      dispose: async () => {
        await inner.dispose();
        if (inner.runtime === 'tfjs') model.dispose();
      },
    };
    c.bySize.set(size, runner);
    return runner;
  };

  const engine: ReloadableModelEngine = {
    get backendName() {
      return backendLabel({ mc: mcRuntime, training: trainingEngine, tfjsBackend: options.tfjsBackend });
    },
    modelVersion: () => current?.version ?? 0,
    mcPasses: () => passes,
    contextMargin: () => (current ? margin * Math.round(1 / current.scale) : 0),

    reload: () =>
      serial(async () => {
        const versions = await listVersions(options.modelsDir);
        const pointer = await readCurrentVersion(options.modelsDir);
        // The recorded current version first; if it does not load, the versions before it (never a newer one: a
        // newer version may be one that training kept aside), and only then the newer ones.
        const order =
          pointer !== undefined && versions.includes(pointer)
            ? [pointer, ...versions.filter((v) => v < pointer).reverse(), ...versions.filter((v) => v > pointer)]
            : versions.reverse();
        for (const v of order) {
          try {
            await setCurrent(fromBundle(v, await loadBundle(versionDir(options.modelsDir, v))));
            return v;
          } catch (err) {
            log(`model version ${v} is unreadable, trying ${v === pointer ? 'an older' : 'another'} one`, err);
          }
        }
        await setCurrent(undefined);
        return 0;
      }),

    adopt: (trained, info, adoptOptions = {}) =>
      serial(async () => {
        const version = ((await listVersions(options.modelsDir)).at(-1) ?? 0) + 1;
        const scale = typeof info.scale === 'number' ? info.scale : options.preset.scale;
        await saveBundle(versionDir(options.modelsDir, version), {
          model: trained.model,
          config: trained.config,
          normalization: trained.normalization,
          info: { ...info, scale, version },
        });
        if (adoptOptions.makeCurrent === false) {
          trained.model.dispose();
          return version;
        }
        // The bundle is durable before the pointer names it, so a crash between the two leaves the old current.
        await writeCurrentVersion(options.modelsDir, version);
        await setCurrent({ ...trained, version, scale, bySize: new Map(), users: 0, retired: false });
        return version;
      }),

    promote: (version) =>
      serial(async () => {
        const versions = await listVersions(options.modelsDir);
        if (!versions.includes(version)) {
          const known = versions.length ? `versions ${versions.join(', ')}` : 'no versions yet';
          throw new ApiError(
            'MODEL_VERSION_UNKNOWN',
            `no model version ${version} in this project (${known})`,
            'version',
          );
        }
        const previous = current?.version ?? 0;
        let bundle: LoadedBundle;
        try {
          bundle = await loadBundle(versionDir(options.modelsDir, version));
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          throw new ApiError(
            'MODEL_VERSION_UNREADABLE',
            `model version ${version} cannot be loaded: ${why}`,
            'version',
          );
        }
        await writeCurrentVersion(options.modelsDir, version);
        await setCurrent(fromBundle(version, bundle));
        return { current: version, previous };
      }),

    async scorePatch(
      patch: Float32Array,
      size: number,
      signal: AbortSignal,
      opts: ScorePatchOptions = {},
    ): Promise<ScorePatchResult> {
      const c = current;
      if (!c) throw new ApiError('MODEL_NOT_READY', 'no trained model yet: annotate regions and start a training job');
      signal.throwIfAborted();
      return using(c, () => scoreWith(c, patch, size, opts));
    },

    async train(opts: TrainOptions): Promise<TrainResult> {
      // Fine-tuning with no model to continue from trains from fresh weights: that version is `scratch`.
      const init = opts.mode === 'finetune' ? current : undefined;
      if (!init) return trainFrom(undefined, opts);
      return using(init, () => trainFrom(init, opts));
    },

    async dispose() {
      await setCurrent(undefined);
    },
  };

  const scoreWith = async (
    c: Current,
    patch: Float32Array,
    size: number,
    opts: ScorePatchOptions,
  ): Promise<ScorePatchResult> => {
    const f = Math.round(1 / c.scale);
    const context = opts.margin ?? 0;
    const full = size + 2 * context;
    if (patch.length !== full * full) {
      throw new RangeError(
        `scorePatch: expected ${full}² values (a ${size}² cell and ${context} px of context), got ${patch.length}`,
      );
    }
    if (context % f !== 0) {
      throw new RangeError(
        `scorePatch: the margin (${context} px) must be a multiple of the model's downscale factor ${f}`,
      );
    }
    const small = downscaleImage({ width: full, height: full, data: affineValues(patch, 255) }, c.scale);
    const win = small.width;
    const m = context / f;
    const inner = win - 2 * m;
    const norm = normalizeArray(small.data, c.normalization);
    const runner = await runnerFor(c, win);
    const acquisition = opts.acquisition ?? 'uncertainty';
    if (!isAcquisitionName(acquisition))
      throw new ApiError('BAD_REQUEST', `unknown acquisition "${acquisition}"`, 'acquisition');
    const seed = opts.seed ?? seedCounter++;
    const wanted = opts.passes ?? passes;
    if (!(Number.isInteger(wanted) && wanted >= 1))
      throw new RangeError(`scorePatch: passes must be ≥ 1, got ${wanted}`);
    // A quick overview (fewer passes) only for the std-based scores, whose scale a known factor restores.
    const overview = wanted >= 2 && wanted < passes && (acquisition === 'uncertainty' || acquisition === 'std');
    const n = overview ? wanted : passes;
    const mc = await runner.run(norm, { size: win, passes: n, keepSamples: acquisition === 'bald', seed });
    const window: McSummary = {
      width: win,
      height: win,
      passes: n,
      mean: mc.mean,
      std: mc.std,
      ...(mc.probs ? { probs: mc.probs } : {}),
    };
    const valid = {
      width: Math.max(1, Math.min(inner, Math.ceil((opts.valid?.width ?? size) * c.scale))),
      height: Math.max(1, Math.min(inner, Math.ceil((opts.valid?.height ?? size) * c.scale))),
    };
    const cellAt = { margin: m, size: inner, valid };
    const score = scoreCellInWindow(window, cellAt, getAcquisition(acquisition, { rng: createRng(seed) }));
    const cell = cropSummary({ width: win, height: win, passes: n, mean: mc.mean, std: mc.std }, inner, inner, {
      x: m,
      y: m,
    });
    const mean = upsampleNearest(cell.mean, inner, f);
    const std = upsampleNearest(cell.std, inner, f);
    if (!overview) return { score, mean, std };
    const toFull = meanStdFactor(n, passes);
    for (let i = 0; i < std.length; i++) std[i] = Math.min(0.5, std[i]! * toFull);
    return { score: score * toFull, mean, std, passes: n };
  };

  const trainFrom = async (init: Current | undefined, opts: TrainOptions): Promise<TrainResult> => {
    const preset = options.preset;
    const mode: 'finetune' | 'scratch' = init ? 'finetune' : 'scratch';
    const scale = init?.scale ?? preset.scale;
    const items = [];
    for (const ref of opts.patches) {
      const p = await opts.loadPatch(ref, opts.signal);
      const pair = downscalePair(
        {
          image: { width: p.size, height: p.size, data: affineValues(p.image, 255) },
          mask: { width: p.size, height: p.size, data: p.labels },
          weight: { width: p.size, height: p.size, data: p.weight },
        },
        scale,
      );
      items.push({ id: `${ref.slideId}@${ref.col},${ref.row}`, ...pair });
    }
    const size = init?.config.inputSize ?? preset.unet.inputSize;
    // Keep every cut patch that holds annotated pixels: partial annotations train only where they were drawn.
    const patches = cutPatches(items, { patchSize: size }).patches.filter((p) => p.weight.some((w) => w !== 0));
    if (patches.length === 0)
      throw new ApiError('NO_TRAINING_DATA', 'the annotations cover no pixels at the model scale');
    const { train, val } = splitAnnotatedPatches(patches, options.seed ?? 1);
    const epochs = opts.epochs ?? preset.epochs;
    const trained = await trainModel({
      train,
      val,
      unet: init?.config ?? (preset.unet as Partial<UnetConfig>),
      epochs,
      batchSize: preset.batchSize,
      stepsPerEpoch: preset.stepsPerEpoch,
      learningRate: preset.learningRate,
      seed: options.seed ?? 1,
      ...(init ? { init } : {}),
      onEpoch: (r) =>
        opts.onProgress({
          epoch: r.epoch,
          epochs: r.epochs,
          loss: r.loss,
          ...(val.length ? { valDice: r.valDice } : {}),
        }),
      signal: opts.signal,
    });
    const valDice = val.length ? trained.bestValDice : undefined;
    // The fair comparison: the model current now, on this run's own validation patches.
    const against = current;
    const comparedWith =
      against && valDice !== undefined
        ? await using(against, async () => compareOn(against, val, scale, size))
        : undefined;
    const promoted = comparedWith === undefined || valDice === undefined || valDice >= comparedWith.valDice;
    const warning = promoted
      ? undefined
      : `scored Dice ${fmt(valDice)} on its ${val.length} validation patches, below the current v${comparedWith?.version}'s ${fmt(comparedWith?.valDice)} on the same patches: kept, not made current`;
    const provenance = {
      mode,
      parentVersion: init?.version ?? null,
      valDice: valDice ?? null,
      comparedWith: comparedWith ?? null,
      promoted,
      ...(warning ? { warning } : {}),
    };
    const version = await engine.adopt(
      trained,
      {
        scale,
        epochs,
        trainPatches: train.length,
        valPatches: val.length,
        bestEpoch: trained.bestEpoch,
        ...(val.length ? { bestValDice: trained.bestValDice } : {}),
        ...provenance,
      },
      { makeCurrent: promoted },
    );
    if (warning) log(`model v${version} ${warning}`);
    return {
      modelVersion: version,
      trainPatches: train.length,
      valPatches: val.length,
      ...provenance,
      ...(warning ? { warning: `v${version} ${warning}` } : {}),
      metrics: val.length
        ? { valDice: trained.bestValDice, trainPatches: train.length }
        : { trainPatches: train.length },
    };
  };

  /**
   * Dice of `c` on validation patches cut at `scale` into `size`² pieces; undefined when `c` works at another scale
   * (its predictions would not be of these pixels) or the Dice is undefined.
   */
  const compareOn = async (
    c: Current,
    val: readonly CutPatch[],
    scale: number,
    size: number,
  ): Promise<{ version: number; valDice: number } | undefined> => {
    if (c.scale !== scale) {
      log(`model v${c.version} works at scale ${c.scale}, the new one at ${scale}: no comparison on the same patches`);
      return undefined;
    }
    const sameSize = c.config.inputSize === size;
    const model = sameSize ? c.model : createUnet({ ...c.config, inputSize: size, initSeed: 1 });
    if (!sameSize) restoreWeights(model, snapshotWeights(c.model));
    try {
      const dice = evaluateDice(model, val, c.normalization);
      return Number.isFinite(dice) ? { version: c.version, valDice: dice } : undefined;
    } finally {
      if (!sameSize) model.dispose();
    }
  };

  await engine.reload();
  return engine;
}

const fmt = (x: number | undefined) => (x === undefined ? '?' : x.toFixed(3));

/** Whether onnxruntime-node loads here (the MC runner's first choice). */
async function onnxRuntimeLoads(): Promise<boolean> {
  try {
    await import('onnxruntime-node');
    return true;
  } catch {
    return false;
  }
}

/** Where a cell sits in the window it was predicted in, in model pixels. */
export interface CellInWindow {
  /** Context on each side: the cell's top-left corner is at (margin, margin). */
  margin: number;
  /** Edge of the square cell. */
  size: number;
  /** Its on-slide part, anchored at its top-left corner (all of it except at the slide's right and bottom edges). */
  valid: { width: number; height: number };
}

/**
 * The acquisition score of a cell from the Monte-Carlo summary of the larger window around it: the on-slide part of
 * the cell is scored, scaled by its share of the cell (`edgeAdjustedScore`). The paper's EDT weight is computed on
 * the whole window before cropping, so an object cut by the cell's border keeps its true distances instead of ones
 * measured to the cut.
 */
export function scoreCellInWindow(window: McSummary, cell: CellInWindow, acquisition: AcquisitionFunction): number {
  const { margin, size, valid } = cell;
  const withDistance =
    acquisition.name === 'uncertainty' && margin > 0 ? { ...window, distance: foregroundDistance(window) } : window;
  const onSlide = acquisition.score(cropSummary(withDistance, valid.width, valid.height, { x: margin, y: margin }));
  return edgeAdjustedScore(onSlide, acquisition.name, (valid.width * valid.height) / (size * size));
}

/**
 * The w×h part of a Monte-Carlo summary (all passes, and its distance map) whose top-left corner is `at` (default
 * the origin): a cell out of its context window, and the on-slide part of an edge cell, so padding never enters a score.
 */
export function cropSummary(s: McSummary, w: number, h: number, at = { x: 0, y: 0 }): McSummary {
  if (w === s.width && h === s.height && at.x === 0 && at.y === 0) return s;
  const crop = (src: Float32Array, planes: number) => {
    const out = new Float32Array(planes * w * h);
    for (let t = 0; t < planes; t++) {
      for (let y = 0; y < h; y++) {
        const from = t * s.width * s.height + (at.y + y) * s.width + at.x;
        out.set(src.subarray(from, from + w), t * w * h + y * w);
      }
    }
    return out;
  };
  return {
    width: w,
    height: h,
    passes: s.passes,
    mean: crop(s.mean, 1),
    std: crop(s.std, 1),
    ...(s.probs ? { probs: crop(s.probs, s.passes) } : {}),
    ...(s.distance ? { distance: crop(s.distance, 1) } : {}),
  };
}

function normalizeArray(data: Float32Array, stats: NormalizationStats): Float32Array {
  const inv = 1 / stats.std;
  return affineValues(data, inv, -stats.mean * inv);
}

/**
 * An edge cell's score is the mean over its on-slide part; scaled by that part's share of the patch it becomes the
 * patch average with nothing to annotate (score 0) off the slide. Without it a sliver a few pixels wide, whose
 * border pixels are the most uncertain of any, topped the demo slide's suggestions. Random scores stay as drawn.
 */
export function edgeAdjustedScore(score: number, acquisition: string, onSlideFraction: number): number {
  return acquisition === 'random' ? score : score * Math.min(1, Math.max(0, onSlideFraction));
}
