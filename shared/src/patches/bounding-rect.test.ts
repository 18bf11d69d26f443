import { describe, expect, it } from 'vitest';
import { boundingRect } from './bounding-rect.js';

describe('boundingRect', () => {
  it('spans two disjoint rectangles and returns the outer one when one contains the other', () => {
    expect(boundingRect({ x: 0, y: 10, width: 5, height: 5 }, { x: 20, y: 0, width: 4, height: 3 })).toEqual({
      x: 0,
      y: 0,
      width: 24,
      height: 15,
    });
    const outer = { x: 2, y: 2, width: 50, height: 40 };
    expect(boundingRect(outer, { x: 10, y: 10, width: 1, height: 1 })).toEqual(outer);
  });
});
