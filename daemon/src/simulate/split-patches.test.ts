import { describe, expect, it } from 'vitest';
import { splitPatches, subjectOf } from './split-patches.js';

const items = ['sub-a_s1', 'sub-a_s2', 'sub-b_s1', 'sub-c_s1'].flatMap((img) =>
  Array.from({ length: 10 }, (_, i) => ({ id: `${img}@${i}`, group: subjectOf(img) })),
);

describe('splitPatches', () => {
  it('gives disjoint sets of the asked sizes with test groups held out of training', () => {
    const r = splitPatches(items, { counts: { initial: 2, val: 2, test: 5 }, poolNeeded: 5, seed: 1 });
    expect(r.initial).toHaveLength(2);
    expect(r.val).toHaveLength(2);
    expect(r.test).toHaveLength(5);
    const all = [...r.initial, ...r.val, ...r.test, ...r.pool];
    expect(new Set(all).size).toBe(all.length);
    const group = (id: string) => items.find((x) => x.id === id)?.group;
    const testGroups = new Set(r.test.map(group));
    for (const id of [...r.initial, ...r.val, ...r.pool]) expect(testGroups.has(group(id))).toBe(false);
  });

  it('is the same for the same seed and different for another', () => {
    const opts = { counts: { initial: 2, val: 2, test: 5 }, poolNeeded: 5 };
    expect(splitPatches(items, { ...opts, seed: 3 })).toEqual(splitPatches(items, { ...opts, seed: 3 }));
    expect(splitPatches(items, { ...opts, seed: 3 }).initial).not.toEqual(
      splitPatches(items, { ...opts, seed: 4 }).initial,
    );
  });

  it('scales the split down proportionally with a warning when the data set is too small', () => {
    const r = splitPatches(items, { counts: { initial: 10, val: 10, test: 20 }, poolNeeded: 20, seed: 1 });
    expect(r.warning).toMatch(/scaled/);
    expect(r.counts).toEqual({ initial: 5, val: 5, test: 10 });
  });

  it('names the subject of AxonDeepSeg ids', () => {
    expect(subjectOf('sub-rat3_sample-data10')).toBe('sub-rat3');
    expect(subjectOf('plain')).toBe('plain');
  });

  it('takes every patch of the subjects named by --test-subjects, and keeps them out of training', () => {
    const r = splitPatches(items, {
      counts: { initial: 2, val: 2, test: 5 },
      poolNeeded: 5,
      seed: 1,
      testGroups: ['sub-a'],
    });
    expect(r.test).toHaveLength(20);
    expect(r.test.every((id) => id.startsWith('sub-a_'))).toBe(true);
    for (const id of [...r.initial, ...r.val, ...r.pool]) expect(id.startsWith('sub-a_')).toBe(false);
    expect(r.counts.test).toBe(20);
    // Whatever the seed, the test set is the same subjects.
    expect(
      splitPatches(items, { counts: r.counts, poolNeeded: 5, seed: 9, testGroups: ['sub-a'] }).test.sort(),
    ).toEqual([...r.test].sort());
  });

  it('refuses a --test-subjects prefix that matches nothing, or one that leaves nothing to train on', () => {
    const base = { counts: { initial: 2, val: 2, test: 5 }, poolNeeded: 5, seed: 1 };
    expect(() => splitPatches(items, { ...base, testGroups: ['sub-z'] })).toThrow(/"sub-z" matches no subject/);
    expect(() => splitPatches(items, { ...base, testGroups: ['sub-'] })).toThrow(/at least one must stay/);
  });
});
