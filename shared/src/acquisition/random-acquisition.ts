import { defineAcquisition } from './acquisition-function.js';

/** Uniform random scores: the passive-learning baseline. Takes the RNG from options so runs repeat. */
export const randomAcquisition = defineAcquisition('random', ({ rng }) => {
  if (rng === undefined) throw new Error('random acquisition needs options.rng (a seeded Rng)');
  return () => rng.next();
});
