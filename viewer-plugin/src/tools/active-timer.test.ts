import { describe, expect, it } from 'vitest';
import { ActiveTimer } from './active-timer.js';

describe('ActiveTimer', () => {
  it('adds up gaps between inputs and drops any gap over 60 s entirely', () => {
    const t = new ActiveTimer();
    t.restart(0);
    t.touch(10_000); // +10 s
    t.touch(70_000); // +60 s: exactly the cap still counts
    t.touch(200_000); // 130 s away: not counted
    t.touch(205_000); // +5 s
    expect(t.seconds).toBe(75);
  });

  it('starts over on restart and ignores a clock that goes backwards', () => {
    const t = new ActiveTimer(1000);
    t.restart(0);
    t.touch(500);
    t.restart(10_000);
    t.touch(9_000);
    t.touch(10_400);
    expect(t.seconds).toBeCloseTo(0.4, 10);
  });
});
