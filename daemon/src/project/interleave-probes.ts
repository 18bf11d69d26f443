import { createRng, shuffled } from '@activeseg/shared';

export interface InterleaveProbesOptions {
  /** Entries in the list. */
  k: number;
  /** Share of the list that is random probes, in [0, 1); 0 turns probes off. */
  probeRate: number;
  /** The project's probe seed: which cells are probes and where they sit repeats from one request to the next. */
  seed: number;
}

export interface ListEntry<T> {
  item: T;
  /** Never sent: the list looks the same either way, only the daemon remembers. */
  probe: boolean;
}

/**
 * The suggestion list with random probes mixed in: `round(k × probeRate)` entries are cells drawn uniformly from the
 * candidates the uncertainty picks left (every non-blank, unannotated cell scored by the model), at seeded positions,
 * the rest are the top of `ranked`. A cell's draw is a fixed seeded key, so the same cells stay probes until they
 * are annotated (a refresh does not reshuffle them), and removing a cell from the pool does not move the others.
 */
export function interleaveProbes<T extends { col: number; row: number }>(
  ranked: readonly T[],
  options: InterleaveProbesOptions,
): ListEntry<T>[] {
  const { k, probeRate, seed } = options;
  if (!(probeRate >= 0 && probeRate < 1)) throw new RangeError(`probeRate must be in [0, 1), got ${probeRate}`);
  const wanted = Math.round(k * probeRate);
  const picks = ranked.slice(0, k - wanted);
  const probes = ranked
    .slice(k - wanted)
    .map((item) => ({ item, key: cellKey(seed, item.col, item.row) }))
    .sort((a, b) => a.key - b.key)
    .slice(0, wanted)
    .map((p) => p.item);
  const total = picks.length + probes.length;
  const probeSlots = new Set(shuffled([...Array(total).keys()], createRng(seed)).slice(0, probes.length));
  const out: ListEntry<T>[] = [];
  let pick = 0;
  let probe = 0;
  for (let i = 0; i < total; i++) {
    if (probeSlots.has(i)) out.push({ item: probes[probe++] as T, probe: true });
    else out.push({ item: picks[pick++] as T, probe: false });
  }
  return out;
}

/** Uniform in [0, 1), fixed per (seed, cell). */
export function cellKey(seed: number, col: number, row: number): number {
  return createRng((seed ^ Math.imul(col + 1, 0x9e3779b1) ^ Math.imul(row + 1, 0x85ebca77)) >>> 0).next();
}
