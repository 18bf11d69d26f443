import { describe, expect, it } from 'vitest';
import { baldAcquisition } from './bald-acquisition.js';
import { binaryEntropy } from './binary-entropy.js';
import { summarizeMc } from './summarize-mc.js';

const bald = baldAcquisition.create({});
const scoreOf = (width: number, passes: number[][]) =>
  bald.score(summarizeMc({ width, height: 1, passes: passes.length, probs: Float32Array.from(passes.flat()) }));

describe('baldAcquisition', () => {
  it('is 0 when every pass agrees, even on uncertain pixels', () => {
    expect(
      scoreOf(2, [
        [0.5, 0.3],
        [0.5, 0.3],
        [0.5, 0.3],
      ]),
    ).toBeCloseTo(0, 6);
  });

  it('is positive when passes disagree, and equals H(mean) − mean H(pass)', () => {
    const want = binaryEntropy(0.5) - (binaryEntropy(0.1) + binaryEntropy(0.9)) / 2;
    expect(want).toBeGreaterThan(0);
    expect(scoreOf(1, [[0.1], [0.9]])).toBeCloseTo(want, 6);
  });

  it('ranks stronger disagreement higher', () => {
    expect(scoreOf(1, [[0], [1]])).toBeGreaterThan(scoreOf(1, [[0.3], [0.7]]));
  });

  it('needs the raw samples', () => {
    const summary = { width: 1, height: 1, passes: 1, mean: Float32Array.of(0.5), std: Float32Array.of(0) };
    expect(() => bald.score(summary)).toThrow(/probs/);
  });
});
