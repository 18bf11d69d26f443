import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { randomAcquisition } from './random-acquisition.js';

describe('randomAcquisition', () => {
  const summary = { width: 1, height: 1, passes: 1, mean: Float32Array.of(0.5), std: Float32Array.of(0) };

  it('draws its scores from the given rng so a seed repeats the ranking', () => {
    const a = randomAcquisition.create({ rng: createRng(9) });
    const b = randomAcquisition.create({ rng: createRng(9) });
    const reference = createRng(9);
    const drawn = [a.score(summary), a.score(summary), a.score(summary)];
    expect(drawn).toEqual([b.score(summary), b.score(summary), b.score(summary)]);
    expect(drawn).toEqual([reference.next(), reference.next(), reference.next()]);
  });

  it('refuses to run without an rng', () => {
    expect(() => randomAcquisition.create({})).toThrow(/rng/);
  });
});
