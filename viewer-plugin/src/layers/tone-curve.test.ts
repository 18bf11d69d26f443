import { describe, expect, it } from 'vitest';
import { applyLut, isNeutral, NEUTRAL_ADJUSTMENT, normalizeAdjustment, toneLut } from './tone-curve.js';

describe('tone curve', () => {
  it('is the identity when neutral', () => {
    const lut = toneLut(NEUTRAL_ADJUSTMENT);
    expect(Array.from(lut)).toEqual(Array.from({ length: 256 }, (_, i) => i));
    expect(isNeutral(NEUTRAL_ADJUSTMENT)).toBe(true);
  });

  it('brightens, stretches contrast around mid-grey, and lifts mid-tones with gamma > 1', () => {
    expect(toneLut({ brightness: 0.2, contrast: 1, gamma: 1 })[100]).toBe(151);
    const c = toneLut({ brightness: 0, contrast: 2, gamma: 1 });
    expect([c[0], c[64], c[128], c[192], c[255]]).toEqual([0, 0, 129, 255, 255]);
    const g = toneLut({ brightness: 0, contrast: 1, gamma: 2 });
    expect(g[64]).toBe(128);
    expect([g[0], g[255]]).toEqual([0, 255]);
  });

  it('changes colour channels only, never alpha', () => {
    const px = new Uint8ClampedArray([100, 100, 100, 7]);
    applyLut(px, toneLut({ brightness: 0.2, contrast: 1, gamma: 1 }));
    expect(Array.from(px)).toEqual([151, 151, 151, 7]);
  });

  it('normalizes stored values: out of range is clamped, garbage is neutral', () => {
    expect(normalizeAdjustment({ brightness: 4, contrast: -1, gamma: 9 })).toEqual({
      brightness: 1,
      contrast: 0,
      gamma: 5,
    });
    expect(normalizeAdjustment('nope')).toEqual(NEUTRAL_ADJUSTMENT);
    expect(normalizeAdjustment({ brightness: Number.NaN })).toEqual(NEUTRAL_ADJUSTMENT);
  });
});
