import { describe, expect, it } from 'vitest';
import { metricsRow } from '../testing/metrics-row-fixture.js';
import { curveArea, curveByIteration, meanGap, patchesToReach } from './curve-stats.js';

const row = metricsRow;

describe('curve statistics', () => {
  const rows = [
    row('uncertainty', 0, 0, 0.5),
    row('uncertainty', 1, 0, 0.7),
    row('uncertainty', 0, 1, 0.8),
    row('uncertainty', 1, 1, 0.8),
    row('random', 0, 0, 0.5),
    row('random', 1, 0, 0.7),
    row('random', 0, 1, 0.6),
    row('random', 1, 1, 0.7),
  ];

  it('averages each iteration over experiments with a population std', () => {
    const c = curveByIteration(rows, 'uncertainty');
    expect(c.map((p) => p.iteration)).toEqual([0, 1]);
    expect(c[0]?.mean).toBeCloseTo(0.6);
    expect(c[0]?.std).toBeCloseTo(0.1);
    expect(c[1]?.std).toBeCloseTo(0);
  });

  it('computes the normalised area, the mean gap to random and the patches needed to reach a target', () => {
    const u = curveByIteration(rows, 'uncertainty');
    const r = curveByIteration(rows, 'random');
    expect(curveArea(u)).toBeCloseTo((0.6 + 0.8) / 2);
    expect(meanGap(u, r)).toBeCloseTo((0 + 0.15) / 2);
    expect(patchesToReach(u, 0.65, 2)).toBe(1);
    expect(patchesToReach(r, 0.9, 2)).toBeUndefined();
  });
});
