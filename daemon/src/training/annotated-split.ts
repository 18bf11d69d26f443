import { createRng } from '@activeseg/shared';

/** Below this many annotated patches there is too little to hold any out: every patch trains. */
export const MIN_PATCHES_FOR_VALIDATION = 10;

/**
 * How a training job splits a project's annotated patches: a seeded fifth held out for validation (best epoch kept)
 * once there are enough of them, none before. The daemon's jobs and the base-model measurement share it, so what
 * the measurement reports is what a user's training does.
 */
export function splitAnnotatedPatches<T>(patches: readonly T[], seed: number): { train: T[]; val: T[] } {
  const rng = createRng(seed);
  const order = patches.map((_, i) => i).sort(() => rng.next() - 0.5);
  const valCount = patches.length >= MIN_PATCHES_FOR_VALIDATION ? Math.round(patches.length * 0.2) : 0;
  return {
    val: order.slice(0, valCount).map((i) => patches[i] as T),
    train: order.slice(valCount).map((i) => patches[i] as T),
  };
}
