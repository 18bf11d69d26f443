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
import { createMcRunner, type McRunner } from '../inference/create-mc-runner.js';
import {
  createUnet,
  loadBundle,
  restoreWeights,
  saveBundle,
  snapshotWeights,
  type UnetConfig,
} from '../model/index.js';
import { splitAnnotatedPatches } from '../training/annotated-split.js';
import type { NormalizationStats } from '../training/normalization-stats.js';
import type { TrainingPreset } from '../training/presets.js';
import { type TrainedModel, trainModel } from '../training/train-model.js';
import type {
  ModelEngine,
  ScorePatchOptions,
  ScorePatchResult,
  TrainOptions,
  TrainResult,
} from './model-engine-api.js';
import { listVersions, versionDir } from './model-store.js';
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
  seed?: number;
  log?: (message: string, err?: unknown) => void;
}

export interface ReloadableModelEngine extends ModelEngine {
  /** Level-0 pixels of context per side: the engine's `contextMargin` (model pixels) at the current model's scale. */
  contextMargin(): number;
  /** Loads the newest readable model version (corrupt ones are skipped with a log line). */
  reload(): Promise<number>;
  /** Saves a trained model as the next version and makes it current. */
  adopt(trained: TrainedModel, info: Record<string, unknown>): Promise<number>;
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

  const setCurrent = async (next: Current | undefined) => {
    const old = current;
    current = next;
    if (old) {
      for (const r of old.bySize.values()) await r.dispose();
      old.model.dispose();
    }
  };

  const runnerFor = async (c: Current, size: number): Promise<McRunner> => {
    const existing = c.bySize.get(size);
    if (existing) return existing;
    const model = createUnet({ ...c.config, inputSize: size, initSeed: 1 });
    restoreWeights(model, snapshotWeights(c.model));
    const inner = await createMcRunner(model, { onnx: options.onnx ?? true, serving: true });
    if (inner.runtime !== 'tfjs') model.dispose();
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
      const runtimes = current ? [...current.bySize.values()].map((r) => r.runtime) : [];
      return runtimes.includes('onnxruntime-cpu')
        ? `tfjs-${options.tfjsBackend}+onnxruntime-cpu`
        : `tfjs-${options.tfjsBackend}`;
    },
    modelVersion: () => current?.version ?? 0,
    contextMargin: () => (current ? margin * Math.round(1 / current.scale) : 0),

    async reload() {
      const versions = await listVersions(options.modelsDir);
      for (const v of versions.reverse()) {
        try {
          const b = await loadBundle(versionDir(options.modelsDir, v));
          const scale = typeof b.info?.scale === 'number' ? b.info.scale : 1;
          await setCurrent({
            version: v,
            model: b.model,
            config: b.config,
            normalization: b.normalization,
            scale,
            bySize: new Map(),
          });
          return v;
        } catch (err) {
          log(`model version ${v} is unreadable, trying an older one`, err);
        }
      }
      await setCurrent(undefined);
      return 0;
    },

    async adopt(trained, info) {
      const version = ((await listVersions(options.modelsDir)).at(-1) ?? 0) + 1;
      const scale = typeof info.scale === 'number' ? info.scale : options.preset.scale;
      await saveBundle(versionDir(options.modelsDir, version), {
        model: trained.model,
        config: trained.config,
        normalization: trained.normalization,
        info: { ...info, scale, version },
      });
      await setCurrent({ ...trained, version, scale, bySize: new Map() });
      return version;
    },

    async scorePatch(
      patch: Float32Array,
      size: number,
      signal: AbortSignal,
      opts: ScorePatchOptions = {},
    ): Promise<ScorePatchResult> {
      const c = current;
      if (!c) throw new ApiError('MODEL_NOT_READY', 'no trained model yet: annotate regions and start a training job');
      signal.throwIfAborted();
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
      const mc = await runner.run(norm, { size: win, passes, keepSamples: acquisition === 'bald', seed });
      const window: McSummary = {
        width: win,
        height: win,
        passes,
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
      const cell = cropSummary({ width: win, height: win, passes, mean: mc.mean, std: mc.std }, inner, inner, {
        x: m,
        y: m,
      });
      return { score, mean: upsampleNearest(cell.mean, inner, f), std: upsampleNearest(cell.std, inner, f) };
    },

    async train(opts: TrainOptions): Promise<TrainResult> {
      const preset = options.preset;
      const init = opts.mode === 'finetune' ? current : undefined;
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
      const version = await engine.adopt(trained, {
        scale,
        mode: opts.mode,
        epochs,
        trainPatches: train.length,
        valPatches: val.length,
        bestEpoch: trained.bestEpoch,
        ...(val.length ? { bestValDice: trained.bestValDice } : {}),
      });
      return {
        modelVersion: version,
        metrics: val.length
          ? { valDice: trained.bestValDice, trainPatches: train.length }
          : { trainPatches: train.length },
      };
    },

    async dispose() {
      await setCurrent(undefined);
    },
  };
  await engine.reload();
  return engine;
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
