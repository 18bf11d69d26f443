import { describe, expect, it } from 'vitest';
import { assignFolds, checkKfold } from './kfold.js';

describe('assignFolds', () => {
  const base = ['a', 'b', 'c', 'd', 'e'];

  it('validates every labelled patch exactly once, in balanced folds, training each model on the rest', () => {
    const folds = assignFolds(base, ['x', 'y'], 3, 7);
    const all = [...base, 'x', 'y'].sort();
    expect(folds.flatMap((f) => f.val).sort()).toEqual(all);
    expect(folds.map((f) => f.val.length).sort()).toEqual([2, 2, 3]);
    for (const f of folds) {
      expect([...f.train, ...f.val].sort()).toEqual(all);
      expect(f.train.filter((id) => f.val.includes(id))).toEqual([]);
    }
  });

  it('is seeded, ignores the order of the base set, and keeps a patch in its fold as patches are acquired', () => {
    const a = assignFolds(base, [], 2, 3);
    expect(assignFolds([...base].reverse(), [], 2, 3)).toEqual(a);
    const later = assignFolds(base, ['x', 'y', 'z'], 2, 3);
    a.forEach((f, k) => {
      expect(later[k]?.val.slice(0, f.val.length)).toEqual(f.val);
    });
    const seeds = new Set(Array.from({ length: 8 }, (_, s) => JSON.stringify(assignFolds(base, [], 2, s + 1))));
    expect(seeds.size).toBeGreaterThan(1);
  });

  it('checkKfold names the flag', () => {
    expect(() => checkKfold(1, 4)).toThrow('--kfold');
    expect(() => checkKfold(2.5, 4)).toThrow('--kfold');
    expect(() => checkKfold(5, 4)).toThrow('--kfold 5');
    expect(() => checkKfold(4, 4)).not.toThrow();
  });
});
