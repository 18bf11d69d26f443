import { describe, expect, it, vi } from 'vitest';
import type { JobEvent } from './job-events.js';
import { createTileUpdateCoalescer } from './tile-update-coalescer.js';

describe('createTileUpdateCoalescer', () => {
  it('merges the regions of one interval into one bounding box per overlay layer, and flushes the rest at the end', () => {
    let t = 10_000;
    const events: JobEvent[] = [];
    const tiles = createTileUpdateCoalescer({
      events: { emit: (e) => events.push(e) },
      slideId: 'sl_1',
      intervalMs: 500,
      now: () => t,
    });
    tiles.add({ x: 0, y: 0, width: 512, height: 512 }, 3); // first: emitted at once
    t += 100;
    tiles.add({ x: 512, y: 0, width: 512, height: 512 }, 3);
    t += 100;
    tiles.add({ x: 1024, y: 0, width: 100, height: 512 }, 3);
    expect(events).toHaveLength(2);
    tiles.flush();
    tiles.flush(); // nothing pending: no event
    const bboxes = events.map((e) => e.type === 'tiles.updated' && [e.layer, e.modelVersion, e.bbox]);
    expect(bboxes).toEqual([
      ['uncertainty', 3, { x: 0, y: 0, width: 512, height: 512 }],
      ['prediction', 3, { x: 0, y: 0, width: 512, height: 512 }],
      ['uncertainty', 3, { x: 512, y: 0, width: 612, height: 512 }],
      ['prediction', 3, { x: 512, y: 0, width: 612, height: 512 }],
    ]);
  });

  it('emits a pending region once the interval has passed, without waiting for another add', () => {
    vi.useFakeTimers();
    try {
      const events: JobEvent[] = [];
      const tiles = createTileUpdateCoalescer({
        events: { emit: (e) => events.push(e) },
        slideId: 'sl_1',
        intervalMs: 500,
      });
      tiles.add({ x: 0, y: 0, width: 512, height: 512 }, 2);
      vi.advanceTimersByTime(100);
      tiles.add({ x: 512, y: 0, width: 512, height: 512 }, 2);
      vi.advanceTimersByTime(399);
      expect(events).toHaveLength(2);
      vi.advanceTimersByTime(1);
      expect(events.map((e) => e.type === 'tiles.updated' && e.bbox)).toEqual([
        { x: 0, y: 0, width: 512, height: 512 },
        { x: 0, y: 0, width: 512, height: 512 },
        { x: 512, y: 0, width: 512, height: 512 },
        { x: 512, y: 0, width: 512, height: 512 },
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never merges regions whose box would cover cells not scored yet: the viewport block, then the first cell elsewhere', () => {
    let t = 10_000;
    const events: JobEvent[] = [];
    const tiles = createTileUpdateCoalescer({
      events: { emit: (e) => events.push(e) },
      slideId: 'sl_1',
      intervalMs: 500,
      now: () => t,
    });
    const cell = (col: number, row: number) => ({ x: col * 512, y: row * 512, width: 512, height: 512 });
    tiles.add(cell(2, 1), 4); // first: at once
    for (const [col, row] of [
      [3, 1],
      [2, 2],
      [3, 2],
      [0, 0],
    ] as const) {
      t += 50;
      tiles.add(cell(col, row), 4);
    }
    tiles.flush();
    const boxes = events.flatMap((e) => (e.type === 'tiles.updated' && e.layer === 'uncertainty' ? [e.bbox] : []));
    // (2,1) goes at once; (3,1) and (2,2) are diagonal to each other, so (3,1) goes alone; (2,2) + (3,2) make a row.
    expect(boxes).toEqual([cell(2, 1), cell(3, 1), { x: 1024, y: 1024, width: 1024, height: 512 }, cell(0, 0)]);
  });

  it('keeps one bounding box per section of a volume and names the section in each event', () => {
    const events: JobEvent[] = [];
    const tiles = createTileUpdateCoalescer({
      events: { emit: (e) => events.push(e) },
      slideId: 'sl_1',
      intervalMs: 60_000,
      now: () => 0,
    });
    tiles.add({ x: 0, y: 0, width: 512, height: 512 }, 2, 4);
    tiles.add({ x: 512, y: 0, width: 512, height: 512 }, 2, 0);
    tiles.add({ x: 0, y: 512, width: 512, height: 512 }, 2, 4);
    tiles.flush();
    const seen = events.map((e) => e.type === 'tiles.updated' && e.layer === 'uncertainty' && [e.z ?? 0, e.bbox]);
    expect(seen.filter(Boolean)).toEqual([
      [4, { x: 0, y: 0, width: 512, height: 1024 }],
      [0, { x: 512, y: 0, width: 512, height: 512 }],
    ]);
  });
});
