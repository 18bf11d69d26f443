import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { connectedComponents } from './connected-components.js';
import { countObjects } from './count-objects.js';

describe('countObjects', () => {
  it('counts 8-connected components: diagonal touches join, gaps split', () => {
    // biome-ignore format: the mask reads as rows
    const mask = Uint8Array.from([
      1, 0, 0, 1, 1,
      0, 1, 0, 0, 0,
      0, 0, 0, 1, 0,
      1, 1, 0, 0, 1,
    ]);
    // {0,0}-{1,1} diagonal: one; {3,0},{4,0}: one; {3,2}-{4,3} diagonal: one; {0,3},{1,3}: one.
    expect(countObjects(mask, 5, 4)).toBe(4);
    expect(countObjects(new Uint8Array(6), 3, 2)).toBe(0);
  });

  it('joins a U shape whose arms meet only at the bottom', () => {
    // biome-ignore format: the mask reads as rows
    const u = Uint8Array.from([
      1, 0, 1, 0, 1,
      1, 0, 1, 0, 1,
      1, 1, 1, 1, 1,
    ]);
    expect(countObjects(u, 5, 3)).toBe(1);
  });

  it('agrees with connectedComponents on random masks of every density', () => {
    const rng = createRng(7);
    for (let trial = 0; trial < 60; trial++) {
      const w = 1 + rng.int(40);
      const h = 1 + rng.int(40);
      const density = rng.next();
      const data = new Uint8Array(w * h).map(() => (rng.next() < density ? 1 : 0));
      expect(countObjects(data, w, h)).toBe(connectedComponents({ width: w, height: h, data }).count);
    }
  });

  it('refuses a size that does not match the data', () => {
    expect(() => countObjects(new Uint8Array(5), 2, 2)).toThrow(/5 pixels for a 2×2 mask/);
  });
});
