import { createRng, shuffled } from '@activeseg/shared';
import { packCell, unpackCell } from '../store/learning-repo.js';

export interface InterleaveProbesOptions {
  /** Entries in the list. */
  k: number;
  /** Share of the list that is random probes, in [0, 1); 0 turns probes off. */
  probeRate: number;
  /** The project's probe seed: which cells are probes and where they sit repeats from one request to the next. */
  seed: number;
}

export type ListEntry<T> =
  /** `probe` is never sent: the list looks the same either way, only the daemon remembers. */
  { probe: false; item: T } | { probe: true; item: { col: number; row: number } };

/** How many of a k-entry list are probes at `probeRate`. */
export function probeCount(k: number, probeRate: number): number {
  if (!(probeRate >= 0 && probeRate < 1)) throw new RangeError(`probeRate must be in [0, 1), got ${probeRate}`);
  return Math.round(k * probeRate);
}

/**
 * The suggestion list with random probes mixed in: `probeCount(k, probeRate)` entries are cells drawn uniformly
 * from `pool` (every non-blank, unannotated cell the model scored, packed by `packCell`) minus the picks, at seeded
 * positions; the rest are the first of `ranked` (the uncertainty ranking). A cell's draw is a fixed seeded key, so
 * the same cells stay probes until they are annotated (a refresh does not reshuffle them), and removing a cell from
 * the pool moves no other.
 */
export function interleaveProbes<T extends { col: number; row: number }>(
  ranked: readonly T[],
  pool: readonly number[],
  options: InterleaveProbesOptions,
): ListEntry<T>[] {
  const { k, seed } = options;
  const wanted = probeCount(k, options.probeRate);
  const picks = ranked.slice(0, k - wanted);
  const picked = new Set(picks.map((p) => packCell(p.col, p.row)));
  // The `wanted` smallest keys, kept sorted in a short array: one pass, no per-cell allocation.
  const keys: number[] = [];
  const cells: number[] = [];
  for (const cell of pool) {
    if (wanted === 0 || picked.has(cell)) continue;
    const { col, row } = unpackCell(cell);
    const key = cellKey(seed, col, row);
    if (keys.length === wanted && key >= (keys[wanted - 1] as number)) continue;
    let i = keys.length === wanted ? wanted - 1 : keys.length;
    while (i > 0 && (keys[i - 1] as number) > key) {
      keys[i] = keys[i - 1] as number;
      cells[i] = cells[i - 1] as number;
      i--;
    }
    keys[i] = key;
    cells[i] = cell;
  }
  const probes = cells.map(unpackCell);
  const total = picks.length + probes.length;
  const probeSlots = new Set(shuffled([...Array(total).keys()], createRng(seed)).slice(0, probes.length));
  const out: ListEntry<T>[] = [];
  let pick = 0;
  let probe = 0;
  for (let i = 0; i < total; i++) {
    if (probeSlots.has(i)) out.push({ probe: true, item: probes[probe++] as { col: number; row: number } });
    else out.push({ probe: false, item: picks[pick++] as T });
  }
  return out;
}

/**
 * Uniform in [0, 1), fixed per (seed, cell): murmur3's 32-bit finaliser over the seed and the cell, cheap enough
 * for every cell of a gigapixel slide on each list request.
 */
export function cellKey(seed: number, col: number, row: number): number {
  let h = (seed ^ Math.imul(col + 1, 0x9e3779b1)) >>> 0;
  h = (h ^ Math.imul(row + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
