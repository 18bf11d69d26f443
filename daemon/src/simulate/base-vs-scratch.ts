import { createRng, metricsFromCounts, shuffled, sumConfusionCounts } from '@activeseg/shared';
import { splitAnnotatedPatches } from '../training/annotated-split.js';
import type { TrainingPreset } from '../training/presets.js';
import { type TrainedModel, trainModel } from '../training/train-model.js';
import { ensembleCounts } from './ensemble-counts.js';
import type { PoolCandidate } from './score-pool.js';

/** The daemon's unit of annotation: one 512² cell of the slide at full resolution. */
export const ANNOTATION_CELL_PX = 512;

export interface HeldOutShots {
  /** Cells in the order a user would annotate them (seeded), each its model-scale patches. */
  readonly cells: readonly PoolCandidate[][];
  /** Every patch of the subject outside the first `maxShots` cells: the same test set for every shot count. */
  readonly test: readonly PoolCandidate[];
}

/**
 * A held-out subject's patches as a user would meet them: grouped into the 512² cells the daemon suggests (at the
 * model's scale), cells mostly off the image dropped, in a seeded order.
 */
export function annotationCells(
  patches: readonly PoolCandidate[],
  options: { scale: number; patchSize: number; seed: number },
): PoolCandidate[][] {
  const cellPx = ANNOTATION_CELL_PX * options.scale;
  const perCell = Math.max(1, Math.floor(cellPx / options.patchSize)) ** 2;
  const byCell = new Map<string, PoolCandidate[]>();
  for (const p of patches) {
    const key = `${p.sourceId}:${Math.floor(p.x / cellPx)},${Math.floor(p.y / cellPx)}`;
    const list = byCell.get(key) ?? [];
    list.push(p);
    byCell.set(key, list);
  }
  const full = [...byCell.keys()].sort().filter((k) => (byCell.get(k) as PoolCandidate[]).length * 2 >= perCell);
  return shuffled(full, createRng(options.seed)).map((k) => byCell.get(k) as PoolCandidate[]);
}

/** The most annotated cells a subject allows while keeping at least as many cells to test on. */
export const maxShotsFor = (cells: number) => Math.floor(cells / 2);

/**
 * The first `maxShots` cells (see `annotationCells`) are the ones that get annotated, the rest are the test set: the
 * same test set for every shot count.
 */
export function heldOutShots(
  patches: readonly PoolCandidate[],
  options: { scale: number; patchSize: number; maxShots: number; seed: number },
): HeldOutShots {
  const order = annotationCells(patches, options);
  // At least as many test cells as annotated ones, or the Dice rests on a sliver (or on nothing: an empty test set
  // scores a perfect 1).
  if (maxShotsFor(order.length) < options.maxShots) {
    throw new Error(
      `held-out subject has ${order.length} annotatable cells: too few for ${options.maxShots} annotated plus as many test cells`,
    );
  }
  return { cells: order.slice(0, options.maxShots), test: order.slice(options.maxShots).flat() };
}

/** Pooled Dice of a model on patches. */
export function diceOn(model: TrainedModel, patches: readonly PoolCandidate[]): number {
  return metricsFromCounts(sumConfusionCounts(ensembleCounts([model], patches))).dice;
}

export interface ShotResult {
  readonly shots: number;
  /** Fine-tuned from the base on the first `shots` cells (the base itself at 0 shots). */
  readonly fromBase: number;
  /** Trained from scratch on the same cells; undefined at 0 shots (no model). */
  readonly fromScratch?: number;
  readonly seconds: number;
}

/**
 * What a base model buys on a subject it never saw: Dice on the subject's test cells after 0, 1, 2, … annotated
 * cells, training as the daemon's jobs do (the same split of annotated patches, the preset's epochs, fine-tune from the
 * base vs from scratch with the same seed).
 */
export async function baseVsScratch(options: {
  readonly base: TrainedModel;
  readonly shots: HeldOutShots;
  readonly counts: readonly number[];
  readonly preset: TrainingPreset;
  readonly epochs?: number;
  readonly seed: number;
}): Promise<ShotResult[]> {
  const results: ShotResult[] = [];
  for (const k of options.counts) {
    const start = Date.now();
    if (k === 0) {
      results.push({ shots: 0, fromBase: diceOn(options.base, options.shots.test), seconds: 0 });
      continue;
    }
    const { train, val } = splitAnnotatedPatches(options.shots.cells.slice(0, k).flat(), options.seed);
    const common = {
      train,
      val,
      epochs: options.epochs ?? options.preset.epochs,
      batchSize: options.preset.batchSize,
      stepsPerEpoch: options.preset.stepsPerEpoch,
      learningRate: options.preset.learningRate,
      seed: options.seed,
    };
    const fine = await trainModel({ ...common, unet: options.base.config, init: options.base });
    const scratch = await trainModel({ ...common, unet: options.preset.unet });
    results.push({
      shots: k,
      fromBase: diceOn(fine, options.shots.test),
      fromScratch: diceOn(scratch, options.shots.test),
      seconds: (Date.now() - start) / 1000,
    });
    fine.model.dispose();
    scratch.model.dispose();
  }
  return results;
}
