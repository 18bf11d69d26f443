import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { composeAffine, IDENTITY_AFFINE, IDENTITY_AFFINE_PARAMS } from './compose-affine.js';
import { sampleAffine } from './random-affine.js';

describe('composeAffine', () => {
  it('gives the exact identity for identity params', () => {
    expect(composeAffine(IDENTITY_AFFINE_PARAMS)).toEqual(IDENTITY_AFFINE);
  });
});

describe('sampleAffine', () => {
  it('stays inside the paper Table I ranges', () => {
    const rng = createRng(1);
    let flipsH = 0;
    for (let i = 0; i < 2000; i++) {
      const { params } = sampleAffine(rng, { width: 200, height: 100 });
      expect(Math.abs(params.shiftX)).toBeLessThanOrEqual(20);
      expect(Math.abs(params.shiftY)).toBeLessThanOrEqual(10);
      expect(Math.abs(params.rotationDeg)).toBeLessThanOrEqual(10);
      expect(params.zoom).toBeGreaterThanOrEqual(1 / 1.2 - 1e-12);
      expect(params.zoom).toBeLessThanOrEqual(1.2 + 1e-12);
      if (params.flipH) flipsH++;
    }
    expect(flipsH / 2000).toBeGreaterThan(0.45);
    expect(flipsH / 2000).toBeLessThan(0.55);
  });

  it('samples zoom log-uniformly: zooming in is as likely as zooming out', () => {
    const rng = createRng(2);
    let zoomIn = 0;
    for (let i = 0; i < 4000; i++) if (sampleAffine(rng, { width: 10, height: 10 }).params.zoom > 1) zoomIn++;
    expect(zoomIn / 4000).toBeGreaterThan(0.47);
    expect(zoomIn / 4000).toBeLessThan(0.53);
  });

  it('repeats exactly for the same seed', () => {
    const a = sampleAffine(createRng(7), { width: 64, height: 64 });
    const b = sampleAffine(createRng(7), { width: 64, height: 64 });
    expect(a).toEqual(b);
  });
});
