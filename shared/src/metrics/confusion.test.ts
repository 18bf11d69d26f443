import { describe, expect, it } from 'vitest';
import { confusionCounts } from './confusion.js';

const pred = Uint8Array.from([1, 1, 0, 0, 1, 0, 255, 0]);
const truth = Uint8Array.from([1, 0, 1, 0, 1, 0, 0, 2]);

describe('confusionCounts', () => {
  it('counts each outcome, treating any non-zero value as positive', () => {
    expect(confusionCounts(pred, truth)).toEqual({ tp: 2, fp: 2, tn: 2, fn: 2 });
  });

  it('accepts mask images as well as raw arrays', () => {
    const img = (data: Uint8Array) => ({ width: 4, height: 2, data });
    expect(confusionCounts(img(pred), img(truth))).toEqual(confusionCounts(pred, truth));
  });

  it('leaves out zero-weight pixels and scales the others by their weight', () => {
    const weights = Float32Array.from([0, 1, 1, 0, 2, 1, 0, 0.5]);
    expect(confusionCounts(pred, truth, weights)).toEqual({ tp: 2, fp: 1, tn: 1, fn: 1.5 });
    const mask = { width: 4, height: 2, data: Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 0]) };
    expect(confusionCounts(pred, truth, mask)).toEqual({ tp: 1, fp: 1, tn: 1, fn: 1 });
  });

  it('rejects inputs of different sizes', () => {
    expect(() => confusionCounts(pred, truth.subarray(1))).toThrow(/size mismatch/);
    expect(() => confusionCounts(pred, truth, new Uint8Array(3))).toThrow(/weights 3/);
  });
});
