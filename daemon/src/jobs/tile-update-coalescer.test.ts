import { describe, expect, it } from 'vitest';
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
    tiles.add({ x: 0, y: 512, width: 100, height: 40 }, 3);
    expect(events).toHaveLength(2);
    tiles.flush();
    tiles.flush(); // nothing pending: no event
    const bboxes = events.map((e) => e.type === 'tiles.updated' && [e.layer, e.modelVersion, e.bbox]);
    expect(bboxes).toEqual([
      ['uncertainty', 3, { x: 0, y: 0, width: 512, height: 512 }],
      ['prediction', 3, { x: 0, y: 0, width: 512, height: 512 }],
      ['uncertainty', 3, { x: 0, y: 0, width: 1024, height: 552 }],
      ['prediction', 3, { x: 0, y: 0, width: 1024, height: 552 }],
    ]);
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
