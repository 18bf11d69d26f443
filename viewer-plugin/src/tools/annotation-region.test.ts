import { describe, expect, it } from 'vitest';
import { cellRegionAt, suggestionRegion } from './annotation-region.js';

const slide = { width: 1000, height: 700 };

describe('annotation regions', () => {
  it('keeps an inner suggestion whole and cuts an edge one to the slide', () => {
    expect(suggestionRegion({ patch: { col: 0, row: 0, x: 0, y: 0, size: 512 }, score: 1 }, slide)).toEqual({
      x: 0,
      y: 0,
      width: 512,
      height: 512,
    });
    expect(suggestionRegion({ patch: { col: 1, row: 1, x: 512, y: 512, size: 512 }, score: 1 }, slide)).toEqual({
      x: 512,
      y: 512,
      width: 488,
      height: 188,
    });
  });

  it('snaps a point to its grid cell, clamping points left of or above the slide to the first cell', () => {
    expect(cellRegionAt({ x: 700.5, y: 20 }, 512, slide)).toEqual({ x: 512, y: 0, width: 488, height: 512 });
    expect(cellRegionAt({ x: -40, y: -1 }, 512, slide)).toEqual({ x: 0, y: 0, width: 512, height: 512 });
  });
});
