import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { ACQUISITION_NAMES, getAcquisition, isAcquisitionName } from './get-acquisition.js';

describe('getAcquisition', () => {
  it('creates every registered function under its own name', () => {
    expect([...ACQUISITION_NAMES].sort()).toEqual(['bald', 'entropy', 'random', 'std', 'uncertainty']);
    for (const name of ACQUISITION_NAMES) {
      expect(getAcquisition(name, { rng: createRng(1) }).name).toBe(name);
      expect(isAcquisitionName(name)).toBe(true);
    }
    expect(isAcquisitionName('margin')).toBe(false);
  });

  it('names the allowed functions when asked for an unknown one', () => {
    expect(() => getAcquisition('margin')).toThrow(/"margin".*uncertainty, std, entropy, bald, random/);
  });
});
