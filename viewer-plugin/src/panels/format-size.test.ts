import { describe, expect, it } from 'vitest';
import { formatImageLength, formatZoomPercent } from './format-size.js';

describe('format-size', () => {
  it('names image pixels, and adds µm only when the pixel size is known', () => {
    expect(formatImageLength(12)).toBe('12 image px');
    expect(formatImageLength(12, 0.25)).toBe('12 image px (3.00 µm)');
    expect(formatImageLength(96, 0.5)).toBe('96 image px (48.0 µm)');
  });

  it('shows the zoom as a percentage of full resolution', () => {
    expect(formatZoomPercent(1)).toBe('100 %');
    expect(formatZoomPercent(0.0625)).toBe('6.3 %');
    expect(formatZoomPercent(2.5)).toBe('250 %');
  });
});
