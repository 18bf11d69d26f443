import { describe, expect, it } from 'vitest';
import { VIRIDIS } from './viridis.js';

const entry = (i: number) => Array.from(VIRIDIS.subarray(i * 3, i * 3 + 3));

function expectNear(got: number[], want: number[], tolerance: number) {
  for (let c = 0; c < 3; c++) expect(Math.abs((got[c] as number) - (want[c] as number))).toBeLessThanOrEqual(tolerance);
}

describe('VIRIDIS', () => {
  it('has 256 RGB entries', () => {
    expect(VIRIDIS).toBeInstanceOf(Uint8Array);
    expect(VIRIDIS.length).toBe(768);
  });

  it("matches matplotlib's viridis at its key entries within 2 levels", () => {
    // Reference values: round(255 · matplotlib _viridis_data[i]).
    const reference: [number, number[]][] = [
      [0, [68, 1, 84]],
      [4, [70, 7, 90]],
      [64, [59, 82, 139]],
      [100, [42, 118, 142]],
      [128, [33, 145, 140]],
      [180, [70, 192, 111]],
      [230, [189, 223, 38]],
      [255, [253, 231, 37]],
    ];
    for (const [i, rgb] of reference) expectNear(entry(i), rgb, 2);
  });

  it('runs from dark to bright without steps larger than a few levels', () => {
    const luminance = (i: number) => {
      const [r, g, b] = entry(i) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    expect(luminance(255)).toBeGreaterThan(luminance(0) + 150);
    for (let i = 1; i < 256; i++) {
      const step = entry(i).map((v, c) => Math.abs(v - (entry(i - 1)[c] as number)));
      expect(Math.max(...step)).toBeLessThanOrEqual(4);
    }
  });
});
