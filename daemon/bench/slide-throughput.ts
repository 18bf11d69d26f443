import { type AcquisitionName, affineValues, getAcquisition, reflectIndex } from '@activeseg/shared';
import sharp from 'sharp';
import { downscaleImage } from '../src/data/downscale.js';
import { cropSummary } from '../src/engine/model-engine.js';
import type { ModelEngine } from '../src/engine/model-engine-api.js';
import type { OnnxMcSession } from '../src/onnx/onnx-mc-session.js';

/** A slide that can hand out windows of 8-bit grey pixels. */
export interface SlideRegionReader {
  readonly width: number;
  readonly height: number;
  /** Row-major grey values of the window; the window lies inside the slide. */
  read(left: number, top: number, width: number, height: number): Promise<Uint8Array>;
}

/**
 * Reads windows with sharp. For a tiled TIFF libvips decodes only the tiles under the window; a PNG is decoded
 * whole on every read, which is fine for the demo slide (1.7 MP) and nothing larger.
 */
export async function openSharpSlide(path: string): Promise<SlideRegionReader> {
  const meta = await sharp(path, { limitInputPixels: false }).metadata();
  if (!meta.width || !meta.height) throw new Error(`openSharpSlide: cannot read the size of ${path}`);
  return {
    width: meta.width,
    height: meta.height,
    async read(left, top, width, height) {
      const { data, info } = await sharp(path, { limitInputPixels: false })
        .extract({ left, top, width, height })
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 1) throw new Error(`openSharpSlide: expected 1 channel, got ${info.channels}`);
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    },
  };
}

/** One grid position: the window's top-left corner and the part of the patch that lies on the slide. */
export interface SlidePatchPosition {
  readonly left: number;
  readonly top: number;
  readonly validWidth: number;
  readonly validHeight: number;
}

/** Patches of `size` every `stride` pixels; the last row and column run past the edge (padded) so every pixel is covered. */
export function slidePatchGrid(width: number, height: number, size: number, stride = size): SlidePatchPosition[] {
  const starts = (extent: number) => {
    const out: number[] = [];
    for (let s = 0; s < extent; s += stride) {
      out.push(s);
      if (s + size >= extent) break;
    }
    return out;
  };
  const out: SlidePatchPosition[] = [];
  for (const top of starts(height)) {
    for (const left of starts(width)) {
      out.push({ left, top, validWidth: Math.min(size, width - left), validHeight: Math.min(size, height - top) });
    }
  }
  return out;
}

/** Scores one raw patch (size² grey values 0..255, mirror-padded past `valid`). */
export interface PatchScorer {
  score(patch: Float32Array, size: number, valid: { width: number; height: number }): Promise<number>;
}

export interface ScoreSlideOptions {
  reader: SlideRegionReader;
  scorer: PatchScorer;
  patchSize?: number;
  stride?: number;
  /**
   * Patches whose grey-level standard deviation (over the on-slide pixels) is below this are background and are not
   * run through the network. Default 4 grey levels: flat glass/resin with sensor noise, never tissue.
   */
  blankStd?: number;
  /** Read the next patch while the current one is scored (default true). */
  prefetch?: boolean;
  /** Only the first `limit` grid positions (benchmarks of slow models). */
  limit?: number;
  onPatch?: (result: PatchScoreResult, index: number, total: number) => void;
}

export interface PatchScoreResult extends SlidePatchPosition {
  /** Grey-level std of the on-slide pixels. */
  readonly std: number;
  /** Acquisition score; undefined for skipped background patches. */
  readonly score?: number;
}

export interface SlideThroughput {
  readonly patches: PatchScoreResult[];
  readonly total: number;
  readonly scored: number;
  readonly blank: number;
  readonly wallMs: number;
  /** Sum of read durations (they overlap with scoring when prefetching). */
  readonly readMs: number;
  readonly scoreMs: number;
  /** Time the loop sat waiting for a read: what prefetching did not hide. */
  readonly readWaitMs: number;
  /** Grid positions (scored and skipped) per second of wall time. */
  readonly patchesPerSecond: number;
  readonly scoredPerSecond: number;
}

interface ReadPatch {
  data: Float32Array;
  std: number;
  ms: number;
}

async function readPatch(reader: SlideRegionReader, p: SlidePatchPosition, size: number): Promise<ReadPatch> {
  const t0 = performance.now();
  const window = await reader.read(p.left, p.top, p.validWidth, p.validHeight);
  let sum = 0;
  let sq = 0;
  for (const v of window) {
    sum += v;
    sq += v * v;
  }
  const n = window.length;
  const mean = sum / n;
  const std = Math.sqrt(Math.max(0, sq / n - mean * mean));
  const data = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const sy = reflectIndex(y, p.validHeight);
    for (let x = 0; x < size; x++) data[y * size + x] = window[sy * p.validWidth + reflectIndex(x, p.validWidth)] ?? 0;
  }
  return { data, std, ms: performance.now() - t0 };
}

/**
 * Monte-Carlo scores every patch of a slide. Reading (sharp, on libuv's thread pool) of patch i+1 is started before
 * patch i is scored; onnxruntime-node's `run` is asynchronous too, so the event loop is free to finish the read while
 * the network runs, and only the part of a read longer than a patch's compute shows up as `readWaitMs`.
 */
export async function scoreSlide(options: ScoreSlideOptions): Promise<SlideThroughput> {
  const size = options.patchSize ?? 512;
  const blankStd = options.blankStd ?? 4;
  const prefetch = options.prefetch ?? true;
  const grid = slidePatchGrid(options.reader.width, options.reader.height, size, options.stride ?? size);
  const positions = options.limit === undefined ? grid : grid.slice(0, options.limit);
  const started = performance.now();
  const results: PatchScoreResult[] = [];
  let readMs = 0;
  let scoreMs = 0;
  let readWaitMs = 0;
  let scored = 0;
  const start = (i: number) => {
    const p = positions[i];
    return p === undefined ? undefined : readPatch(options.reader, p, size);
  };
  let next = start(0);
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i] as SlidePatchPosition;
    const waitStart = performance.now();
    const current = await (next ?? start(i));
    readWaitMs += performance.now() - waitStart;
    if (current === undefined) break;
    readMs += current.ms;
    next = prefetch ? start(i + 1) : undefined;
    let result: PatchScoreResult;
    if (current.std < blankStd) {
      result = { ...p, std: current.std };
    } else {
      const t0 = performance.now();
      const score = await options.scorer.score(current.data, size, { width: p.validWidth, height: p.validHeight });
      scoreMs += performance.now() - t0;
      scored++;
      result = { ...p, std: current.std, score };
    }
    results.push(result);
    options.onPatch?.(result, i, positions.length);
  }
  const wallMs = performance.now() - started;
  return {
    patches: results,
    total: results.length,
    scored,
    blank: results.length - scored,
    wallMs,
    readMs,
    scoreMs,
    readWaitMs,
    patchesPerSecond: (results.length * 1000) / wallMs,
    scoredPerSecond: (scored * 1000) / wallMs,
  };
}

export interface OnnxPatchScorerOptions {
  /** Model engine whose model input is `patchSize × scale` (fully convolutional copy of the trained net at that size). */
  engine: OnnxMcSession;
  /** Model scale (1 = native, 0.5 = the tiny preset): patches are box-downscaled by it first, as the daemon does. */
  scale: number;
  /** Training-set intensity statistics (raw grey units). */
  normalization: { mean: number; std: number };
  passes: number;
  /** Passes per onnxruntime call: the batch dimension is where conv gets its parallel work. */
  batchSize?: number;
  acquisition?: AcquisitionName;
}

/** The daemon's scoring (downscale, normalise, MC dropout, acquisition on the on-slide part) on an onnx engine. */
export function createOnnxPatchScorer(options: OnnxPatchScorerOptions): PatchScorer {
  const acquisitionName = options.acquisition ?? 'uncertainty';
  const acquisition = getAcquisition(acquisitionName);
  const inv = 1 / options.normalization.std;
  return {
    async score(patch, size, valid) {
      const small =
        options.scale === 1 ? patch : downscaleImage({ width: size, height: size, data: patch }, options.scale).data;
      const inner = Math.round(size * options.scale);
      const norm = affineValues(small, inv, -options.normalization.mean * inv);
      const mc = await options.engine.mcPredict(norm, inner, {
        passes: options.passes,
        batchSize: options.batchSize ?? 10,
        keepProbs: acquisitionName === 'bald',
      });
      const vw = Math.max(1, Math.min(inner, Math.ceil(valid.width * options.scale)));
      const vh = Math.max(1, Math.min(inner, Math.ceil(valid.height * options.scale)));
      const summary = { width: inner, height: inner, passes: options.passes, mean: mc.mean, std: mc.std };
      return acquisition.score(cropSummary(mc.probs ? { ...summary, probs: mc.probs } : summary, vw, vh));
    },
  };
}

/** Adapts the daemon's engine (`ReloadableModelEngine.scorePatch`, which takes 0..1 intensities) to a PatchScorer. */
export function createEnginePatchScorer(
  engine: ModelEngine,
  acquisition: AcquisitionName = 'uncertainty',
): PatchScorer {
  const signal = new AbortController().signal;
  return {
    async score(patch, size, valid) {
      const unit = affineValues(patch, 1 / 255);
      return (await engine.scorePatch(unit, size, signal, { acquisition, valid })).score;
    },
  };
}
