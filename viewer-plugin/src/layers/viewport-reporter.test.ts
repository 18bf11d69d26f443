import { describe, expect, it } from 'vitest';
import { slideRegionOf } from './viewport-reporter.js';

describe('slideRegionOf', () => {
  const slide = { width: 1541, height: 1096 };
  it('clips the view to the slide and widens it to whole pixels', () => {
    expect(slideRegionOf({ x: -200.5, y: 100.2, width: 900, height: 400.3 }, slide)).toEqual({
      x: 0,
      y: 100,
      width: 700,
      height: 401,
    });
    expect(slideRegionOf({ x: -100, y: -100, width: 5000, height: 5000 }, slide)).toEqual({ x: 0, y: 0, ...slide });
  });
  it('is undefined when the view shows none of the slide', () => {
    expect(slideRegionOf({ x: 1600, y: 0, width: 100, height: 100 }, slide)).toBeUndefined();
    expect(slideRegionOf({ x: 0, y: -300, width: 100, height: 300 }, slide)).toBeUndefined();
  });
});
