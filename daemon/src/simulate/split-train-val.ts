import type { PoolCandidate } from './score-pool.js';
import { splitPatches, subjectOf } from './split-patches.js';

/**
 * Training and validation patches for a plain (non-active) training run, split with the same seeded, subject-aware
 * rules as the simulator so `activeseg train` and the demo's first model validate like a simulation does.
 */
export function splitTrainVal(
  patches: readonly PoolCandidate[],
  options: { valCount: number; seed: number },
): { train: PoolCandidate[]; val: PoolCandidate[] } {
  const split = splitPatches(
    patches.map((p) => ({ id: p.id, group: subjectOf(p.sourceId) })),
    {
      counts: { initial: patches.length - options.valCount, val: options.valCount, test: 0 },
      poolNeeded: 0,
      seed: options.seed,
    },
  );
  const byId = new Map(patches.map((p) => [p.id, p]));
  const get = (id: string) => byId.get(id) as PoolCandidate;
  return { train: [...split.initial, ...split.pool].map(get), val: split.val.map(get) };
}
