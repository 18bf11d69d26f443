import type { AcquisitionFunction } from '@activeseg/protocol';

/**
 * The model seen from the job queue. The daemon core only schedules, persists and reports; the model
 * engineer provides the implementation (tfjs U-Net with MC dropout, or ONNX). No tensor crosses this line.
 *
 * Images are grey, row-major, `size × size` (plus any context margin), scaled to [0, 1] (byte / 255); past the
 * slide's edges they are filled by mirror reflection, so the engine always sees full patches.
 */
export interface ModelEngine {
  /** Reported in `welcome` and `/api/health` consumers (e.g. `tfjs-node`, `onnx-cpu`). */
  readonly backendName: string;
  /** Version of the weights `scorePatch` uses now; 0 before any training or import. */
  modelVersion(): number;
  /**
   * MC-dropout prediction of one patch: per-pixel mean foreground probability and std across passes,
   * plus the acquisition score (higher = more worth annotating).
   */
  scorePatch(
    patch: Float32Array,
    size: number,
    signal: AbortSignal,
    options?: ScorePatchOptions,
  ): Promise<ScorePatchResult>;
  /**
   * Level-0 pixels of context the engine wants around each cell, on every side (0 or absent: none). `scorePatch` is
   * then given the cell with this margin (`ScorePatchOptions.margin`) and predicts the larger window, so a cell's
   * border pixels see their neighbours and the overlays show no grid.
   */
  contextMargin?(): number;
  /**
   * Monte-Carlo passes a cell gets by default (the preset's or the configured count); `scorePatch`'s `passes` may ask
   * for fewer. Absent: the engine takes no `passes` option (test fakes), so jobs score every cell in one phase.
   */
  mcPasses?(): number;
  /**
   * Trains on the annotated patches and stores the result as a new version; it becomes current unless it scores below
   * the current model on the run's own validation patches (`promoted: false`, with a `warning`).
   */
  train(options: TrainOptions): Promise<TrainResult>;
  /**
   * Makes a stored version current (promote one kept aside, or roll back) and returns the versions before and after.
   * Absent from engines that cannot switch (test fakes); the route then answers MODEL_NOT_READY.
   */
  promote?(version: number): Promise<{ current: number; previous: number }>;
}

export interface ScorePatchOptions {
  acquisition?: AcquisitionFunction;
  /**
   * The part of the patch that is real slide (top-left anchored); the rest is padding at the slide's right or
   * bottom edge. The score must come from this part only, or padded edge cells would top the suggestions.
   */
  valid?: { width: number; height: number };
  /**
   * Level-0 pixels of context on each side of the cell: the patch is then `(size + 2·margin)²` with the cell at
   * (margin, margin), and the results (maps and score) are the cell's only. Default 0.
   */
  margin?: number;
  /**
   * Seeds the Monte-Carlo dropout masks (tfjs) and the acquisition's RNG for this call; without it the engine uses
   * its own counter. Inference passes a seed derived from (slide, col, row, model version), so re-scoring a patch,
   * on any process, repeats the same result (onnxruntime seeds per session instead: use `onnx: false` for that).
   */
  seed?: number;
  /**
   * Fewer passes than the engine's count, for a quick overview: the score and the std map are then scaled to read as
   * the full count would on average (a population std of few passes reads low; `meanStdFactor`). Only the
   * `uncertainty` and `std` acquisitions, which are such stds, take it; the others always get the full count.
   */
  passes?: number;
}

export interface ScorePatchResult {
  score: number;
  /** size × size, in [0, 1]. */
  mean: Float32Array;
  /** size × size, in [0, 0.5]. */
  std: Float32Array;
  /** Passes the result comes from, when fewer than the engine's full count (`ScorePatchOptions.passes`). */
  passes?: number;
}

/** A grid cell that has at least one annotation. */
export interface TrainingPatchRef {
  slideId: string;
  col: number;
  row: number;
  size: number;
  /** Section of a volume; absent = 0. */
  z?: number;
}

export interface TrainingPatch {
  size: number;
  /** Grey image in [0, 1]. */
  image: Float32Array;
  /** 0/1 myelin labels, meaningful where `weight` is 1. */
  labels: Uint8Array;
  /** 1 where a pixel was annotated; partially annotated patches must not train their unlabelled pixels. */
  weight: Uint8Array;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  loss: number;
  valDice?: number;
}

export interface TrainOptions {
  patches: readonly TrainingPatchRef[];
  /** Loads one patch on demand, so the whole training set never has to sit in memory. */
  loadPatch(ref: TrainingPatchRef, signal: AbortSignal): Promise<TrainingPatch>;
  mode: 'finetune' | 'scratch';
  epochs?: number;
  signal: AbortSignal;
  onProgress(progress: TrainProgress): void;
}

export interface TrainResult {
  modelVersion: number;
  metrics?: Record<string, number>;
  /** How it was trained: `finetune` only when there was a model to continue from (`parentVersion`). */
  mode?: 'finetune' | 'scratch';
  parentVersion?: number | null;
  trainPatches?: number;
  valPatches?: number;
  /** Best-epoch Dice on the held-out validation patches; null when the run held none out. */
  valDice?: number | null;
  /** The model current when training ended, scored on the same validation patches. */
  comparedWith?: { version: number; valDice: number } | null;
  /** False when it scored below `comparedWith` and was stored without being made current. */
  promoted?: boolean;
  /** Why it was not promoted. */
  warning?: string;
}
