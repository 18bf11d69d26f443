import { describe, expect, it } from 'vitest';
import { focusFirst } from './focus-first.js';
import { createViewerFocus } from './viewer-focus.js';

describe('createViewerFocus', () => {
  it('keeps each viewer’s region per slide until it leaves or unsubscribes that slide', () => {
    const focus = createViewerFocus();
    const a = {};
    const b = {};
    focus.subscribe(a, ['sl_1']);
    focus.viewport(a, 'sl_1', { x: 0, y: 0, width: 100, height: 100 });
    focus.viewport(b, 'sl_1', { x: 500, y: 0, width: 100, height: 100 });
    focus.viewport(a, 'sl_1', { x: 10, y: 10, width: 100, height: 100 });
    expect(focus.regions('sl_1')).toEqual([
      { x: 10, y: 10, width: 100, height: 100 },
      { x: 500, y: 0, width: 100, height: 100 },
    ]);
    focus.drop(b);
    expect(focus.regions('sl_1')).toHaveLength(1);
    focus.subscribe(a, ['sl_2']);
    expect(focus.regions('sl_1')).toEqual([]);
    expect(focus.subscribedSlides()).toEqual(['sl_2']);
    focus.drop(a);
    expect(focus.subscribedSlides()).toEqual([]);
    expect(focus.lastViewed()).toBe('sl_2');
  });
});

describe('focusFirst', () => {
  const grid = [0, 1, 2].flatMap((row) => [0, 1, 2].map((col) => ({ col, row })));
  it('puts the cells a region overlaps first, each group in grid order; an edge that only touches does not count', () => {
    const order = focusFirst(grid, [{ x: 100, y: 100, width: 412, height: 500 }], 512);
    expect(order.map((c) => `${c.col}_${c.row}`)).toEqual([
      '0_0',
      '0_1',
      '1_0',
      '2_0',
      '1_1',
      '2_1',
      '0_2',
      '1_2',
      '2_2',
    ]);
    expect(focusFirst(grid, [], 512)).toEqual(grid);
  });
});
