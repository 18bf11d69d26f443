import type { Region } from '@activeseg/protocol';

/**
 * What viewers are looking at: the slides each connected viewer subscribed to and the level-0 region it shows of
 * each. The WebSocket sessions feed it; jobs read it to score what is on screen first. Keyed by an opaque owner
 * (a socket), so a viewer that leaves takes its focus with it, except for `lastViewed`.
 */
export interface ViewerFocus {
  /** Replaces the owner's slide set (`slide.subscribe`); its regions on slides no longer in the set are dropped. */
  subscribe(owner: object, slideIds: readonly string[]): void;
  /** The region the owner shows of a slide (`slide.viewport`); counts as viewing it. */
  viewport(owner: object, slideId: string, region: Region): void;
  /** The owner went away (its socket closed). */
  drop(owner: object): void;
  /** Every connected viewer's region on this slide. */
  regions(slideId: string): Region[];
  /** Slides at least one connected viewer subscribed to, most recently focused first. */
  subscribedSlides(): string[];
  /** The slide a viewer focused last, even one that has disconnected since; undefined before any. */
  lastViewed(): string | undefined;
}

interface OwnerFocus {
  slideIds: ReadonlySet<string>;
  regions: Map<string, Region>;
  /** Ordinal of the owner's last subscribe/viewport, to order slides by recency. */
  at: number;
}

export function createViewerFocus(): ViewerFocus {
  const owners = new Map<object, OwnerFocus>();
  let tick = 0;
  let last: string | undefined;

  const entry = (owner: object): OwnerFocus => {
    let e = owners.get(owner);
    if (!e) {
      e = { slideIds: new Set(), regions: new Map(), at: 0 };
      owners.set(owner, e);
    }
    return e;
  };

  return {
    subscribe(owner, slideIds) {
      const e = entry(owner);
      e.slideIds = new Set(slideIds);
      for (const id of e.regions.keys()) if (!e.slideIds.has(id)) e.regions.delete(id);
      e.at = ++tick;
      if (slideIds.length > 0) last = slideIds[0];
    },
    viewport(owner, slideId, region) {
      const e = entry(owner);
      // A region for a slide the viewer did not subscribe to still says what it looks at.
      if (!e.slideIds.has(slideId)) e.slideIds = new Set([...e.slideIds, slideId]);
      e.regions.set(slideId, region);
      e.at = ++tick;
      last = slideId;
    },
    drop(owner) {
      owners.delete(owner);
    },
    regions(slideId) {
      const out: Region[] = [];
      for (const e of owners.values()) {
        const r = e.regions.get(slideId);
        if (r) out.push(r);
      }
      return out;
    },
    subscribedSlides() {
      const byRecency = [...owners.values()].sort((a, b) => b.at - a.at);
      const seen = new Set<string>();
      for (const e of byRecency) for (const id of e.slideIds) seen.add(id);
      return [...seen];
    },
    lastViewed: () => last,
  };
}
