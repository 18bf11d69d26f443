import { VIRIDIS } from '@activeseg/shared';
import { describe, expect, it } from 'vitest';
import { legendGradient } from './legend-gradient.js';

describe('legendGradient', () => {
  it('spans the LUT from first to last entry', () => {
    const lut = Uint8Array.from([0, 0, 0, 128, 128, 128, 255, 255, 255]);
    expect(legendGradient(lut, 3)).toBe(
      'linear-gradient(to right, rgb(0, 0, 0) 0%, rgb(128, 128, 128) 50%, rgb(255, 255, 255) 100%)',
    );
  });

  it('works with the daemon overlay colormap', () => {
    expect(legendGradient(VIRIDIS).split('rgb(')).toHaveLength(9);
    expect(() => legendGradient(new Uint8Array(0))).toThrow(RangeError);
  });
});
