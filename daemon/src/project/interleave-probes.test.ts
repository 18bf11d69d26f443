import { describe, expect, it } from 'vitest';
import { packCell } from '../store/learning-repo.js';
import { cellKey, type InterleaveProbesOptions, interleaveProbes } from './interleave-probes.js';

/** 400 cells ranked by descending score: cell i has score 400 − i. */
const ranked = Array.from({ length: 400 }, (_, i) => ({ col: i % 20, row: Math.floor(i / 20), score: 400 - i }));
type Cell = (typeof ranked)[number];
const byCell = new Map(ranked.map((c) => [packCell(c.col, c.row), c]));
/** As the route calls it: the top of the ranking as picks, every unannotated cell as the pool. */
const suggest = (cells: readonly Cell[], options: InterleaveProbesOptions) =>
  interleaveProbes(
    cells,
    cells.map((c) => packCell(c.col, c.row)),
    options,
  ).map((e) => ({ probe: e.probe, item: byCell.get(packCell(e.item.col, e.item.row)) as Cell }));

describe('interleaveProbes', () => {
  it('makes round(k × probeRate) of the list probes and fills the rest with the top of the ranking, in order', () => {
    for (const [k, rate, probes] of [
      [10, 0.2, 2],
      [10, 0.5, 5],
      [7, 0.2, 1],
      [10, 0, 0],
    ] as const) {
      const list = suggest(ranked, { k, probeRate: rate, seed: 3 });
      expect(list).toHaveLength(k);
      expect(list.filter((e) => e.probe)).toHaveLength(probes);
      const picks = list.filter((e) => !e.probe).map((e) => e.item.score);
      expect(picks).toEqual(ranked.slice(0, k - probes).map((c) => c.score));
      // Probes come from below the picks, never from the picks themselves.
      for (const e of list.filter((x) => x.probe)) expect(e.item.score).toBeLessThanOrEqual(400 - (k - probes));
    }
  });

  it('repeats for a seed and differs between seeds', () => {
    const a = suggest(ranked, { k: 10, probeRate: 0.3, seed: 11 });
    expect(suggest(ranked, { k: 10, probeRate: 0.3, seed: 11 })).toEqual(a);
    const b = suggest(ranked, { k: 10, probeRate: 0.3, seed: 12 });
    expect(b.filter((e) => e.probe).map((e) => e.item)).not.toEqual(a.filter((e) => e.probe).map((e) => e.item));
  });

  it('keeps the other probes when one leaves the pool (annotated), so a refresh does not reshuffle them', () => {
    const before = suggest(ranked, { k: 10, probeRate: 0.3, seed: 5 }).filter((e) => e.probe);
    const gone = before[0]!.item;
    const after = suggest(
      ranked.filter((c) => c !== gone),
      { k: 10, probeRate: 0.3, seed: 5 },
    ).filter((e) => e.probe);
    expect(after.map((e) => e.item)).toEqual(expect.arrayContaining(before.slice(1).map((e) => e.item)));
  });

  it('draws probes uniformly over the pool: every decile of the ranking gets about its share over many seeds', () => {
    const counts = new Array<number>(10).fill(0);
    const seeds = 2000;
    for (let seed = 0; seed < seeds; seed++) {
      for (const e of suggest(ranked, { k: 10, probeRate: 0.2, seed })) {
        if (e.probe) counts[Math.floor((400 - e.item.score) / 40)]!++;
      }
    }
    // The first decile loses the 8 top picks (32 of 40 cells left); the others have 40 each.
    const pool = 392;
    for (let d = 0; d < 10; d++) {
      const expected = ((2 * seeds) / pool) * (d === 0 ? 32 : 40);
      expect(Math.abs(counts[d]! - expected)).toBeLessThan(4 * Math.sqrt(expected));
    }
  });

  it('gives each cell a fixed key in [0, 1)', () => {
    expect(cellKey(1, 2, 3)).toBe(cellKey(1, 2, 3));
    expect(cellKey(1, 2, 3)).not.toBe(cellKey(1, 3, 2));
    expect(cellKey(1, 2, 3)).toBeGreaterThanOrEqual(0);
    expect(cellKey(1, 2, 3)).toBeLessThan(1);
  });

  it('refuses a rate outside [0, 1)', () => {
    expect(() => suggest(ranked, { k: 10, probeRate: 1, seed: 1 })).toThrow(/probeRate/);
  });
});
