import { describe, expect, it } from 'vitest';
import { pixelAt } from './pixel-at.js';

describe('pixelAt', () => {
  const slide = { width: 1541, height: 1096 };
  it('is the whole pixel the point falls in', () => {
    expect(pixelAt({ x: 770.9, y: 548.2 }, slide)).toEqual({ x: 770, y: 548 });
    expect(pixelAt({ x: 0, y: 0 }, slide)).toEqual({ x: 0, y: 0 });
    expect(pixelAt({ x: 1540.99, y: 1095.5 }, slide)).toEqual({ x: 1540, y: 1095 });
  });
  it('is undefined past any edge of the slide', () => {
    expect(pixelAt({ x: -0.1, y: 10 }, slide)).toBeUndefined();
    expect(pixelAt({ x: 10, y: -0.5 }, slide)).toBeUndefined();
    expect(pixelAt({ x: 1541, y: 10 }, slide)).toBeUndefined();
    expect(pixelAt({ x: 10, y: 1096 }, slide)).toBeUndefined();
  });
});
