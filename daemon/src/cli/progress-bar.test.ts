import { describe, expect, it } from 'vitest';
import { estimateEtaMs, formatCount, formatDuration, renderProgressLine } from './progress-bar.js';

describe('progress bar', () => {
  it('estimates the remaining time from the mean rate so far', () => {
    expect(estimateEtaMs(2, 10, 1000)).toBe(4000);
    expect(Number.isNaN(estimateEtaMs(0, 10, 1000))).toBe(true);
  });

  it('formats durations as mm:ss or h:mm:ss and unknown as --:--', () => {
    expect(formatDuration(65_000)).toBe('01:05');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('--:--');
  });

  it('renders a bar proportional to the work done, with counts and ETA', () => {
    const line = renderProgressLine({
      label: 'train',
      done: 5,
      total: 10,
      elapsedMs: 10_000,
      width: 10,
      detail: 'loss 0.5',
    });
    expect(line).toBe('train [#####-----]  50% 5/10 elapsed 00:10 eta 00:10 loss 0.5');
  });

  it('prints counts as whole units, never a float like 0.16666666666666666/1', () => {
    expect(formatCount(3)).toBe('3');
    expect(formatCount(1 / 6)).toBe('0');
    expect(formatCount(5.9)).toBe('5');
    expect(formatCount(Number.NaN)).toBe('?');
    const line = renderProgressLine({ label: 'a', done: 1 / 6, total: 1, elapsedMs: 0, width: 4 });
    expect(line).toContain(' 0/1 ');
    expect(line).toContain(' 16% ');
  });
});
