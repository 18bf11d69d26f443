import { describe, expect, it } from 'vitest';
import { createReconnectPolicy } from './reconnect-policy.js';

describe('createReconnectPolicy', () => {
  it('grows exponentially up to the cap without jitter', () => {
    const p = createReconnectPolicy({ initialDelayMs: 100, factor: 2, maxDelayMs: 1000, jitter: 0 });
    expect([0, 1, 2, 3, 4, 5, 1000].map((a) => p.delayMs(a))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('jitter shortens the delay by at most the jitter fraction', () => {
    const lo = createReconnectPolicy({ initialDelayMs: 1000, jitter: 0.5, random: () => 0.999999 });
    const hi = createReconnectPolicy({ initialDelayMs: 1000, jitter: 0.5, random: () => 0 });
    expect(lo.delayMs(0)).toBe(500);
    expect(hi.delayMs(0)).toBe(1000);
    const real = createReconnectPolicy({ initialDelayMs: 1000, maxDelayMs: 4000 });
    for (let i = 0; i < 50; i++) {
      const d = real.delayMs(5);
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
  });

  it('rejects nonsense options', () => {
    expect(() => createReconnectPolicy({ initialDelayMs: 0 })).toThrow(RangeError);
    expect(() => createReconnectPolicy({ maxDelayMs: 10, initialDelayMs: 100 })).toThrow(RangeError);
    expect(() => createReconnectPolicy({ jitter: 2 })).toThrow(RangeError);
  });
});
