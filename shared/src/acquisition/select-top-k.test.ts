import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { type PatchScore, selectTopK } from './select-top-k.js';

const chebyshev = (a: PatchScore, b: PatchScore) => Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y));

describe('selectTopK', () => {
  const candidates: PatchScore[] = [
    { id: 'a', score: 0.9, x: 0, y: 0 },
    { id: 'b', score: 0.8, x: 10, y: 0 },
    { id: 'c', score: 0.7, x: 300, y: 0 },
    { id: 'd', score: 0.6, x: 300, y: 20 },
    { id: 'e', score: 0.5, x: 600, y: 600 },
  ];

  it("'top' returns the k highest scores, best first", () => {
    const shuffledInput = [candidates[3], candidates[0], candidates[4], candidates[1], candidates[2]] as PatchScore[];
    expect(selectTopK(shuffledInput, 3, { strategy: 'top' }).map((p) => p.id)).toEqual(['a', 'b', 'c']);
  });

  it('clamps k to the candidate count and breaks ties by id, ranking NaN last', () => {
    const tied: PatchScore[] = [
      { id: 'z', score: 1, x: 0, y: 0 },
      { id: 'n', score: Number.NaN, x: 0, y: 0 },
      { id: 'y', score: 1, x: 0, y: 0 },
    ];
    expect(selectTopK(tied, 10).map((p) => p.id)).toEqual(['y', 'z', 'n']);
    expect(selectTopK(tied, -1)).toEqual([]);
  });

  it("'diverse' skips candidates closer than minDistance to a pick", () => {
    const picked = selectTopK(candidates, 3, { strategy: 'diverse', minDistance: 256 });
    expect(picked.map((p) => p.id)).toEqual(['a', 'c', 'e']);
  });

  it("'diverse' falls back to the skipped candidates, best first, when too few are far apart", () => {
    const picked = selectTopK(candidates, 5, { strategy: 'diverse', minDistance: 256 });
    expect(picked.map((p) => p.id)).toEqual(['a', 'c', 'e', 'b', 'd']);
  });

  it("'diverse' never picks two origins within minDistance when a grid offers enough spread", () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 20; trial++) {
      // An 8×8 grid of 32-px patches scored at random, minDistance 64 = "not neighbours". Every maximal
      // set of non-neighbouring cells on an 8×8 king's graph has ≥ 9 cells, so 9 picks never need the fallback.
      const grid: PatchScore[] = [];
      for (let gy = 0; gy < 8; gy++) {
        for (let gx = 0; gx < 8; gx++) grid.push({ id: `${gx},${gy}`, score: rng.next(), x: gx * 32, y: gy * 32 });
      }
      const picked = selectTopK(grid, 9, { strategy: 'diverse', minDistance: 64 });
      expect(picked).toHaveLength(9);
      for (let i = 0; i < picked.length; i++) {
        for (let j = i + 1; j < picked.length; j++) {
          expect(chebyshev(picked[i] as PatchScore, picked[j] as PatchScore)).toBeGreaterThanOrEqual(64);
        }
      }
      // Greedy: the best candidate overall is always taken first.
      const best = [...grid].sort((a, b) => b.score - a.score)[0];
      expect(picked[0]).toBe(best);
    }
  });
});
