import { describe, expect, it } from 'vitest';
import { formatImageLength, formatLength, formatZoomPercent, scaleBarFor } from './format-size.js';

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

  it('labels the bar in nm below 1 µm and in mm from 1000 µm, and the bar is as long as its label says', () => {
    // 0.1 µm/px at 200 %: 120 screen px = 6 µm → 5 µm; at 2000 %: 0.6 µm → 500 nm, still 100 px.
    expect(scaleBarFor(2, 0.1)).toEqual({ px: 100, label: '5 µm' });
    expect(scaleBarFor(20, 0.1)).toEqual({ px: 100, label: '500 nm' });
    // 1 µm/px at 10 %: 120 screen px = 1200 µm → 1 mm, not "1000 µm".
    expect(scaleBarFor(0.1, 1)).toEqual({ px: 100, label: '1 mm' });
    expect(scaleBarFor(0.2, 1)?.label).toBe('500 µm');
    // 4 nm pixels at 400 % (past OSD's usual limit): 120 px = 0.12 µm → 100 nm.
    expect(scaleBarFor(4, 0.004)?.label).toBe('100 nm');
    // Below 1 nm the label keeps the bar's true length (it used to round 0.5 nm up to "1 nm").
    expect(scaleBarFor(800, 0.004)).toEqual({ px: 100, label: '0.5 nm' });
  });

  it('formats lengths without float noise, keeping sub-nm lengths exact', () => {
    expect(formatLength(0.05)).toBe('50 nm');
    expect(formatLength(0.2)).toBe('200 nm');
    expect(formatLength(1)).toBe('1 µm');
    expect(formatLength(999)).toBe('999 µm');
    expect(formatLength(2000)).toBe('2 mm');
    expect(formatLength(0.0005)).toBe('0.5 nm');
    expect(formatLength(0.3 * 3)).toBe('900 nm');
  });
});
