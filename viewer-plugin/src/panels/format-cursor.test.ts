import { describe, expect, it } from 'vitest';
import { formatCursorPosition, positionUnitFor } from './format-cursor.js';

const um = (x: number, y = x) => ({ x, y, unit: 'µm' as const });

describe('formatCursorPosition', () => {
  it('shows only the level-0 pixel when the slide has no pixel size', () => {
    expect(formatCursorPosition({ x: 812, y: 0 })).toBe('x 812, y 0 px');
  });

  it('adds the physical position in µm, with one pixel visible in the last digit', () => {
    expect(formatCursorPosition({ x: 812, y: 540 }, { pixelSize: um(0.1) })).toBe('x 812, y 540 px · 81.2, 54.0 µm');
    expect(formatCursorPosition({ x: 3, y: 7 }, { pixelSize: um(0.25, 0.5) })).toBe('x 3, y 7 px · 0.8, 3.5 µm');
    expect(formatCursorPosition({ x: 10, y: 20 }, { pixelSize: um(2) })).toBe('x 10, y 20 px · 20, 40 µm');
    expect(formatCursorPosition({ x: 1001, y: 2 }, { pixelSize: um(0.05) })).toBe('x 1001, y 2 px · 50.05, 0.10 µm');
  });

  it('switches to nm for pixels under 0.01 µm (EM)', () => {
    expect(formatCursorPosition({ x: 1000, y: 250 }, { pixelSize: um(0.004) })).toBe(
      'x 1000, y 250 px · 4000, 1000 nm',
    );
    expect(formatCursorPosition({ x: 3, y: 1 }, { pixelSize: um(0.0005) })).toBe('x 3, y 1 px · 1.5, 0.5 nm');
  });

  it('names the section of a volume, and no section for a 2D slide', () => {
    expect(formatCursorPosition({ x: 1, y: 2 }, { section: 2, sections: 6 })).toBe('x 1, y 2 px · section 3 of 6');
    expect(formatCursorPosition({ x: 1, y: 2 }, { pixelSize: um(0.01), section: 0, sections: 1 })).toBe(
      'x 1, y 2 px · 0.01, 0.02 µm',
    );
  });
});

describe('positionUnitFor', () => {
  it('picks nm below 0.01 µm and as many decimals as one pixel needs, at most 3', () => {
    expect(positionUnitFor(0.1)).toEqual({ unit: 'µm', perUm: 1, decimals: 1 });
    expect(positionUnitFor(0.01)).toEqual({ unit: 'µm', perUm: 1, decimals: 2 });
    expect(positionUnitFor(0.0099)).toEqual({ unit: 'nm', perUm: 1000, decimals: 0 });
    expect(positionUnitFor(0.0005)).toEqual({ unit: 'nm', perUm: 1000, decimals: 1 });
    expect(positionUnitFor(0.008)).toEqual({ unit: 'nm', perUm: 1000, decimals: 0 });
    expect(positionUnitFor(5)).toEqual({ unit: 'µm', perUm: 1, decimals: 0 });
    expect(positionUnitFor(1e-7).decimals).toBe(3);
  });
});
