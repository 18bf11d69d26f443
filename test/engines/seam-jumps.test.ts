import { describe, expect, it } from 'vitest';
import { seamJumps } from './seam-jumps.js';

/** An 8 × 8 ramp (value x + y) in 4² cells; `offset` is added to the cells right of x = 4. */
const ramp = (offset: number) => ({
  width: 8,
  height: 8,
  data: Float32Array.from({ length: 64 }, (_, i) => (i % 8) + Math.floor(i / 8) + (i % 8 >= 4 ? offset : 0)),
});

describe('seamJumps', () => {
  it('finds no seam in a smooth ramp, and a column step of 4 at a cell border as 4 times the inside step', () => {
    expect(seamJumps(ramp(0), { cellSize: 4 }).ratio).toBe(1);
    // Across x = 4 the step is 1 + 3; across y = 4 it stays 1: (8·4 + 8·1) / 16 border pairs against 1 inside.
    expect(seamJumps(ramp(3), { cellSize: 4 })).toMatchObject({ border: 2.5, inside: 1, ratio: 2.5, borderPairs: 16 });
  });

  it('counts inside steps only every `step` pixels and skips unscored (NaN) pixels', () => {
    const map = { width: 4, height: 1, data: Float32Array.from([0, 0, 2, Number.NaN]) };
    expect(seamJumps(map, { cellSize: 8, step: 2 })).toMatchObject({ inside: 2, insidePairs: 1, borderPairs: 0 });
  });
});
