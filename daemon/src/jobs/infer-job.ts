import type { AcquisitionFunction, Region } from '@activeseg/protocol';
import type { ProjectPaths } from '../project/project-paths.js';
import type { SlideSource } from '../slides/slide-source.js';
import { atomicWrite } from '../store/atomic-write.js';
import type { ScoresRepo } from '../store/scores-repo.js';
import type { Engine } from './engine.js';
import { encodeScoreMap } from './score-map.js';

export interface RunInferenceOptions {
  slideId: string;
  source: SlideSource;
  engine: Engine;
  scores: ScoresRepo;
  paths: ProjectPaths;
  patchSize: number;
  /** Patches with intensity std (0–255) below this are background: not scored, not suggested. */
  blankPatchStd: number;
  acquisition?: AcquisitionFunction;
  signal: AbortSignal;
  onProgress(done: number, total: number): void;
  /** Called after each scored patch is durable (map file, then row). */
  onPatchScored(region: Region, modelVersion: number): void;
}

export interface RunInferenceResult {
  modelVersion: number;
  scored: number;
  skippedBlank: number;
}

/**
 * Scores every non-blank cell of the slide's patch grid with the current model. For each patch the quantised
 * mean/std maps are written atomically BEFORE the score row commits, so a row never points at a missing map.
 */
export async function runInference(options: RunInferenceOptions): Promise<RunInferenceResult> {
  const { source, engine, patchSize: size, signal } = options;
  const modelVersion = engine.modelVersion();
  const cols = Math.ceil(source.width / size);
  const rows = Math.ceil(source.height / size);
  const total = cols * rows;
  let done = 0;
  let scored = 0;
  let skippedBlank = 0;
  options.onProgress(0, total);
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      signal.throwIfAborted();
      const x = col * size;
      const y = row * size;
      const w = Math.min(size, source.width - x);
      const h = Math.min(size, source.height - y);
      const pixels = await source.readRegion({ level: 0, x, y, width: w, height: h, signal });
      if (intensityStd(pixels) < options.blankPatchStd) {
        skippedBlank++;
      } else {
        const patch = toPaddedFloat(pixels, w, h, size);
        const result = await engine.scorePatch(patch, size, signal, {
          acquisition: options.acquisition,
          valid: { width: w, height: h },
        });
        signal.throwIfAborted();
        const mapFile = options.paths.scoreMap(options.slideId, modelVersion, col, row);
        await atomicWrite(mapFile, encodeScoreMap(result.mean, result.std));
        options.scores.upsert({
          slideId: options.slideId,
          modelVersion,
          col,
          row,
          size,
          score: result.score,
          meanFg: average(result.mean),
          meanStd: average(result.std),
          mapPath: options.paths.toRelative(mapFile),
          createdAt: new Date().toISOString(),
        });
        scored++;
        options.onPatchScored({ x, y, width: w, height: h }, modelVersion);
      }
      done++;
      options.onProgress(done, total);
    }
  }
  return { modelVersion, scored, skippedBlank };
}

export function intensityStd(pixels: Uint8Array): number {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]!;
    sum += v;
    sq += v * v;
  }
  const n = pixels.length || 1;
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sq / n - mean * mean));
}

/** Bytes → [0, 1] floats in a size × size patch; pixels past the slide edge replicate the nearest edge pixel. */
export function toPaddedFloat(pixels: Uint8Array, w: number, h: number, size: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const sy = Math.min(y, h - 1);
    for (let x = 0; x < size; x++) {
      out[y * size + x] = pixels[sy * w + Math.min(x, w - 1)]! / 255;
    }
  }
  return out;
}

function average(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return a.length ? s / a.length : 0;
}
