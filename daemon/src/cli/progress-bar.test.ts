import { describe, expect, it } from 'vitest';
import { estimateEtaMs, formatDuration, renderProgressLine } from './progress-bar.js';

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
});
