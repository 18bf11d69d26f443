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

interface Pending {
  box: Region;
  /** Pixels of the regions merged into `box` (scored cells do not overlap). */
  area: number;
}

/**
 * Batches the re-scored regions of one inference job into `tiles.updated` events for both overlay layers: one per
 * patch would flood viewers with refetches on a slide of thousands of patches. A region waits at most `intervalMs`.
 */
export function createTileUpdateCoalescer(options: TileUpdateCoalescerOptions): TileUpdateCoalescer {
  const now = options.now ?? Date.now;
  // One bounding box per section: a volume's job moves from section to section, and each has its own tiles.
  const pending = new Map<number, Pending>();
  let pendingVersion = 0;
  let lastFlush = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return;
    for (const [z, { box }] of pending) {
      for (const layer of ['uncertainty', 'prediction'] as const) {
        options.events.emit({
          type: 'tiles.updated',
          slideId: options.slideId,
          layer,
          modelVersion: pendingVersion,
          bbox: box,
          ...(z ? { z } : {}),
        });
      }
    }
    pending.clear();
    lastFlush = now();
  };

  return {
    add(region, modelVersion, z = 0) {
      // A box over regions that are not side by side would also cover cells not scored yet at this version (viewers
      // would switch those tiles to it and show them empty): send what is pending first. Likewise for a new version.
      const p = pending.get(z);
      if (
        (pending.size > 0 && modelVersion !== pendingVersion) ||
        (p && area(boundingRect(p.box, region)) > p.area + area(region))
      )
        flush();
      const q = pending.get(z);
      pending.set(
        z,
        q ? { box: boundingRect(q.box, region), area: q.area + area(region) } : { box: region, area: area(region) },
      );
      pendingVersion = modelVersion;
      const wait = lastFlush + options.intervalMs - now();
      if (wait <= 0) flush();
      // The last cells of a burst (e.g. the viewport's, before a slow next cell) must not wait for another add.
      else if (timer === undefined) {
        timer = setTimeout(flush, wait);
        timer.unref?.();
      }
    },
    flush,
  };
}

const area = (r: Region): number => r.width * r.height;
