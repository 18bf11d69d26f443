import type { AcquisitionFunction, AcquisitionOptions } from './acquisition-function.js';
import { baldAcquisition } from './bald-acquisition.js';
import { entropyAcquisition } from './entropy-acquisition.js';
import { randomAcquisition } from './random-acquisition.js';
import { stdAcquisition } from './std-acquisition.js';
import { uncertaintyAcquisition } from './uncertainty-acquisition.js';

// To add a function: write `foo-acquisition.ts` with `defineAcquisition('foo', …)` and list it here.
const DEFINITIONS = [
  uncertaintyAcquisition,
  stdAcquisition,
  entropyAcquisition,
  baldAcquisition,
  randomAcquisition,
] as const;

export type AcquisitionName = (typeof DEFINITIONS)[number]['name'];

export const ACQUISITION_NAMES: readonly AcquisitionName[] = DEFINITIONS.map((d) => d.name);

export function isAcquisitionName(name: string): name is AcquisitionName {
  return (ACQUISITION_NAMES as readonly string[]).includes(name);
}

/** Create the named acquisition function; unknown names throw an Error listing the allowed ones. */
export function getAcquisition(name: string, options: AcquisitionOptions = {}): AcquisitionFunction {
  const definition = DEFINITIONS.find((d) => d.name === name);
  if (definition === undefined) {
    throw new Error(`Unknown acquisition function "${name}"; expected one of: ${ACQUISITION_NAMES.join(', ')}`);
  }
  return definition.create(options);
}
