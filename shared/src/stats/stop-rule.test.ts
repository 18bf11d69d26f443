import { describe, expect, it } from 'vitest';
import type { ConfidenceInterval } from './bootstrap-ci.js';
import { stopAdvice } from './stop-rule.js';

const est = (value: number, half: number, n = 8): ConfidenceInterval => ({
  value,
  lo: value - half,
  hi: value + half,
  n,
});

describe('stopAdvice', () => {
  it('says stop on a plateau of overlapping estimates', () => {
    const a = stopAdvice([est(0.6, 0.05), est(0.78, 0.04), est(0.785, 0.04), est(0.788, 0.04)]);
    expect(a.state).toBe('stop');
    expect(a.message).toMatch(/more annotation is unlikely to improve the model/);
  });

  it('keeps going while the estimate rises by more than the minimum gain', () => {
    const a = stopAdvice([est(0.7, 0.02), est(0.73, 0.02), est(0.76, 0.02)]);
    expect(a.state).toBe('keep-going');
    if (a.state === 'keep-going') expect(a.gain).toBeCloseTo(0.06, 12);
  });

  it('does not call a flat run a plateau when one version stands apart from the others', () => {
    // A dip in the middle version, well outside the others' intervals: the versions are not indistinguishable.
    const a = stopAdvice([est(0.8, 0.01), est(0.6, 0.01), est(0.8, 0.01)]);
    expect(a.state).toBe('keep-going');
  });

  it('is too early with fewer versions than the window or too few probes', () => {
    expect(stopAdvice([est(0.8, 0.01), est(0.8, 0.01)]).state).toBe('too-early');
    expect(stopAdvice([est(0.8, 0.01), est(0.8, 0.01), est(0.8, 0.01, 2)]).state).toBe('too-early');
  });
});
