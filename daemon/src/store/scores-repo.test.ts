import { describe, expect, it } from 'vitest';
import { useTempStore } from '../testing/temp-store.js';

const temp = useTempStore();

const score = (modelVersion: number) => ({
  slideId: 'sl_a',
  modelVersion,
  col: 0,
  row: 0,
  size: 512,
  score: modelVersion / 10,
  meanFg: 0.3,
  meanStd: 0.1,
  mapPath: `scores/sl_a/v${modelVersion}/0_0.bin`,
  createdAt: '2026-12-05T06:00:00.000Z',
});

describe('scores repo', () => {
  it("shows the current model's scores after a rollback, and the latest ones where the current has none", () => {
    const { store } = temp;
    store.slides.insert({
      id: 'sl_a',
      name: 'a.png',
      sourcePath: '/a.png',
      readPath: '/a.png',
      width: 512,
      height: 512,
      format: 'png',
      createdAt: '2026-12-05T06:00:00.000Z',
    });
    expect(store.scores.shownVersion('sl_a', 1)).toBeUndefined();
    store.scores.upsert(score(1));
    store.scores.upsert(score(2));
    expect(store.scores.shownVersion('sl_a', 2)).toBe(2);
    // Rolled back to v1: its overlay, not v2's, although v2 is newer.
    expect(store.scores.shownVersion('sl_a', 1)).toBe(1);
    // v3 never scored this slide (or no engine: 0): the latest scores there are.
    expect(store.scores.shownVersion('sl_a', 3)).toBe(2);
    expect(store.scores.shownVersion('sl_a', 0)).toBe(2);
  });
});
