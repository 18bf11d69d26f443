import type { Region } from '@activeseg/protocol';
import { boundingRect } from '@activeseg/shared';
import type { JobEventSink } from './job-events.js';

export interface TileUpdateCoalescerOptions {
  events: JobEventSink;
  slideId: string;
  /** At most one `tiles.updated` pair per this interval; the regions in between merge into one bounding box. */
  intervalMs: number;
  now?: () => number;
}

export interface TileUpdateCoalescer {
  /** A level-0 region of section `z` (default 0) whose overlay changed under this model version. */
  add(region: Region, modelVersion: number, z?: number): void;
  /** Emits what is pending now (at the end of a job). */
  flush(): void;
}

/**
 * Batches the re-scored regions of one inference job into `tiles.updated` events for both overlay layers: one per
 * patch would flood viewers with refetches on a slide of thousands of patches.
 */
export function createTileUpdateCoalescer(options: TileUpdateCoalescerOptions): TileUpdateCoalescer {
  const now = options.now ?? Date.now;
  // One bounding box per section: a volume's job moves from section to section, and each has its own tiles.
  const pending = new Map<number, Region>();
  let pendingVersion = 0;
  let lastFlush = 0;

  const flush = (): void => {
    if (pending.size === 0) return;
    for (const [z, bbox] of pending) {
      for (const layer of ['uncertainty', 'prediction'] as const) {
        options.events.emit({
          type: 'tiles.updated',
          slideId: options.slideId,
          layer,
          modelVersion: pendingVersion,
          bbox,
          ...(z ? { z } : {}),
        });
      }
    }
    pending.clear();
    lastFlush = now();
  };

  return {
    add(region, modelVersion, z = 0) {
      const box = pending.get(z);
      pending.set(z, box ? boundingRect(box, region) : region);
      pendingVersion = modelVersion;
      if (now() - lastFlush >= options.intervalMs) flush();
    },
    flush,
  };
}
