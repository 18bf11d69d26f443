import { describe, expect, it } from 'vitest';
import { formatImageLength, formatZoomPercent, scaleBarFor } from './format-size.js';

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

  it('picks a 1-2-5 scale bar length that fits, and none without a pixel size', () => {
    // 0.1 µm/px at 100 %: 120 screen px = 12 µm, so 10 µm = 100 px.
    expect(scaleBarFor(1, 0.1)).toEqual({ px: 100, label: '10 µm' });
    // Zoomed out 20×: 120 px = 240 µm → 200 µm.
    expect(scaleBarFor(0.05, 0.1)).toEqual({ px: 100, label: '200 µm' });
    expect(scaleBarFor(0.001, 0.5)?.label).toBe('50 mm');
    expect(scaleBarFor(8, 0.005)?.label).toBe('50 nm');
    expect(scaleBarFor(1, undefined)).toBeUndefined();
  });
});
