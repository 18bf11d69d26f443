import { RleMask } from '@activeseg/protocol';
import { describe, expect, it } from 'vitest';
import { decodeRle, encodeRle } from './rle.js';

describe('encodeRle', () => {
  it('starts with a background run, even when the first pixel is foreground', () => {
    expect(encodeRle(Uint8Array.from([1, 1, 0, 1])).counts).toEqual([0, 2, 1, 1]);
    expect(encodeRle(Uint8Array.from([0, 0, 1, 0])).counts).toEqual([2, 1, 1]);
  });

  it('handles all-background, all-foreground and 255-valued masks', () => {
    expect(encodeRle(new Uint8Array(6)).counts).toEqual([6]);
    expect(encodeRle(new Uint8Array(6).fill(255)).counts).toEqual([0, 6]);
  });

  it('produces a body the protocol schema accepts', () => {
    expect(RleMask.safeParse(encodeRle(Uint8Array.from([0, 1, 1, 0]))).success).toBe(true);
  });
});

describe('decodeRle', () => {
  it('round-trips random masks and counts always sum to w·h', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let t = 0; t < 20; t++) {
      const w = 1 + Math.floor(rand() * 40);
      const h = 1 + Math.floor(rand() * 40);
      const mask = Uint8Array.from({ length: w * h }, () => (rand() < 0.3 ? 1 : 0));
      const rle = encodeRle(mask);
      expect(rle.counts.reduce((a, b) => a + b, 0)).toBe(w * h);
      expect(decodeRle(rle, { width: w, height: h })).toEqual(mask);
    }
  });

  it('rejects counts that do not cover the region exactly', () => {
    expect(() => decodeRle({ encoding: 'rle', counts: [3] }, { width: 2, height: 2 })).toThrow(/sum to 3, expected 4/);
    expect(() => decodeRle({ encoding: 'rle', counts: [3, 3] }, { width: 2, height: 2 })).toThrow(/exceed/);
  });
});
