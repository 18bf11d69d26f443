import type { Rng } from '../random/rng.js';
import type { McSummary } from './summarize-mc.js';

/** Scores one pool patch; higher means "more worth annotating". */
export interface AcquisitionFunction {
  readonly name: string;
  score(input: McSummary): number;
}

/** Everything any acquisition function may need; each reads only its own fields. */
export interface AcquisitionOptions {
  /** Required by `random`, so pool sampling repeats under a seed. */
  rng?: Rng;
  /** Foreground threshold on the mean prediction for `uncertainty`'s distance map. Default 0.5. */
  threshold?: number;
  /** Probabilities are clamped to [eps, 1 − eps] before taking logs in `entropy` and `bald`. Default 1e-7. */
  eps?: number;
}

/** A registrable acquisition function: its name and a factory that takes the shared options. */
export interface AcquisitionDefinition<Name extends string = string> {
  readonly name: Name;
  create(options: AcquisitionOptions): AcquisitionFunction;
}

/** Build a definition from a name and a factory for its scoring closure. */
export function defineAcquisition<const Name extends string>(
  name: Name,
  createScore: (options: AcquisitionOptions) => (input: McSummary) => number,
): AcquisitionDefinition<Name> {
  return { name, create: (options) => ({ name, score: createScore(options) }) };
}
