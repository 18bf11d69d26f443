import { affineValues, createRng, getAcquisition, isAcquisitionName, type McSummary } from '@activeseg/shared';
import { cutPatches } from '../data/cut-patches.js';
import { downscaleImage, downscalePair } from '../data/downscale.js';
import { ApiError } from '../errors/api-error.js';
import { createMcRunner, type McRunner, type McRunnerTuning } from '../inference/create-mc-runner.js';
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
  /** How the onnxruntime MC runner uses the machine (threads, batch, priority); the defaults are the measured best. */
  mcRunner?: McRunnerTuning;
  seed?: number;
  log?: (message: string, err?: unknown) => void;
}

export interface ReloadableModelEngine extends ModelEngine {
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
    const inner = await createMcRunner(model, { onnx: options.onnx ?? true, serving: true, ...options.mcRunner });
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
      const raw = { width: size, height: size, data: affineValues(patch, 255) };
      const small = downscaleImage(raw, c.scale);
      const inner = small.width;
      const norm = normalizeArray(small.data, c.normalization);
      const runner = await runnerFor(c, inner);
      const acquisition = opts.acquisition ?? 'uncertainty';
      if (!isAcquisitionName(acquisition))
        throw new ApiError('BAD_REQUEST', `unknown acquisition "${acquisition}"`, 'acquisition');
      const seed = opts.seed ?? seedCounter++;
      const mc = await runner.run(norm, { size: inner, passes, keepSamples: acquisition === 'bald', seed });
      const vw = Math.max(1, Math.min(inner, Math.ceil((opts.valid?.width ?? size) * c.scale)));
      const vh = Math.max(1, Math.min(inner, Math.ceil((opts.valid?.height ?? size) * c.scale)));
      const onSlide = getAcquisition(acquisition, { rng: createRng(seed) }).score(
        cropSummary(
          { width: inner, height: inner, passes, mean: mc.mean, std: mc.std, ...(mc.probs ? { probs: mc.probs } : {}) },
          vw,
          vh,
        ),
      );
      const score = edgeAdjustedScore(onSlide, acquisition, (vw * vh) / (inner * inner));
      return { score, mean: upsampleNearest(mc.mean, inner, f), std: upsampleNearest(mc.std, inner, f) };
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

/** The top-left w×h part of a Monte-Carlo summary (all passes), so padding never enters a score. */
export function cropSummary(s: McSummary, w: number, h: number): McSummary {
  if (w === s.width && h === s.height) return s;
  const crop = (src: Float32Array, planes: number) => {
    const out = new Float32Array(planes * w * h);
    for (let t = 0; t < planes; t++) {
      for (let y = 0; y < h; y++) {
        const from = t * s.width * s.height + y * s.width;
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
