import { metricsFromCounts } from '@activeseg/shared';
import { describe, expect, it } from 'vitest';
import { type CellPrediction, preAnnotationCounts } from './pre-annotation-counts.js';

function cell(col: number, row: number, size: number, fill: (x: number, y: number) => number): CellPrediction {
  const mean = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) mean[y * size + x] = fill(x, y);
  return { col, row, size, mean };
}

describe('preAnnotationCounts', () => {
  it('scores the thresholded prediction on the annotated pixels only, with known Dice, precision and recall', () => {
    // A 3×1 region at (1,1) of a 4×4 cell. Prediction there: 200, 127, 128 → myelin, background, myelin (cut at 128).
    // Label 1 1 0 → tp, fn, fp. Every other pixel of the cell predicts myelin and must not count.
    const pred = cell(0, 0, 4, (x, y) => (y !== 1 ? 255 : ([255, 200, 127, 128][x] as number)));
    const counts = preAnnotationCounts({ x: 1, y: 1, width: 3, height: 1 }, Uint8Array.of(1, 1, 0), [pred]);
    expect(counts).toEqual({ tp: 1, fn: 1, fp: 1, tn: 0 });
    const m = metricsFromCounts(counts);
    expect(m.dice).toBeCloseTo(0.5, 10);
    expect(m.precision).toBeCloseTo(0.5, 10);
    expect(m.sensitivity).toBeCloseTo(0.5, 10);
  });

  it('joins the cells a region straddles, each pixel read from its own cell', () => {
    // 2×2 cells of size 2; region (1,1) 2×2 touches all four cells, one pixel each.
    const cells = [cell(0, 0, 2, () => 255), cell(1, 0, 2, () => 0), cell(0, 1, 2, () => 0), cell(1, 1, 2, () => 255)];
    // Label 1 1 / 1 0: pixel (1,1) cell00 pred 1 truth 1 → tp; (2,1) cell10 pred 0 truth 1 → fn;
    // (1,2) cell01 pred 0 truth 1 → fn; (2,2) cell11 pred 1 truth 0 → fp.
    const counts = preAnnotationCounts({ x: 1, y: 1, width: 2, height: 2 }, Uint8Array.of(1, 1, 1, 0), cells);
    expect(counts).toEqual({ tp: 1, fn: 2, fp: 1, tn: 0 });
    expect(metricsFromCounts(counts).dice).toBeCloseTo(2 / 5, 10);
    expect(metricsFromCounts(counts).precision).toBeCloseTo(1 / 2, 10);
    expect(metricsFromCounts(counts).sensitivity).toBeCloseTo(1 / 3, 10);
  });

  it('refuses cells that do not cover the whole region (a missing prediction is not background)', () => {
    expect(() =>
      preAnnotationCounts({ x: 1, y: 1, width: 2, height: 2 }, new Uint8Array(4), [cell(0, 0, 2, () => 0)]),
    ).toThrow(/cover 1 of the region's 4 pixels/);
  });
});
