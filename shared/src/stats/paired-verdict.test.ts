import { describe, expect, it } from 'vitest';
import { pairedComparison, verdictText } from './paired-verdict.js';

describe('pairedComparison', () => {
  it('calls a consistent per-pair gain better even when the runs vary more than the gain', () => {
    // Seeds differ by ±0.1 between experiments, the strategy is +0.02 on every one: only pairing sees it.
    const reference = [0.6, 0.8, 0.7, 0.65, 0.75];
    const strategy = reference.map((v, i) => v + 0.02 + (i % 2 === 0 ? 0.002 : -0.002));
    const c = pairedComparison(strategy, reference);
    expect(c.verdict).toBe('better');
    expect(c.difference.value).toBeCloseTo(0.0204, 4);
    expect(c.difference.lo).toBeGreaterThan(0);
    expect(verdictText(c)).toBe('better');
  });

  it('calls a consistent loss worse', () => {
    const reference = [0.6, 0.8, 0.7];
    expect(pairedComparison([0.55, 0.74, 0.66], reference).verdict).toBe('worse');
  });

  it('detects no difference when the sign flips between pairs, and says n', () => {
    const c = pairedComparison([0.7, 0.6, 0.75, 0.62], [0.65, 0.66, 0.7, 0.68]);
    expect(c.verdict).toBe('no difference detected');
    expect(c.difference.lo).toBeLessThan(0);
    expect(c.difference.hi).toBeGreaterThan(0);
    expect(verdictText(c)).toBe('no difference detected (n = 4)');
  });

  it('never calls a single pair significant', () => {
    expect(pairedComparison([0.9], [0.1]).verdict).toBe('no difference detected');
  });

  it('refuses unpaired inputs', () => {
    expect(() => pairedComparison([0.1, 0.2], [0.1])).toThrow(/2 values against 1/);
  });
});
