import type { PatchHold, Region } from '@activeseg/protocol';

export interface PatchHoldRequest {
  slideId: string;
  region: Region;
  holder: string;
}

export interface PatchHoldsOptions {
  /** A hold not renewed (re-sent) for this long is released, so a tab left open does not keep a patch forever. */
  timeoutMs: number;
  /** Called after the holds of a slide changed (to announce them). */
  onChange(slideId: string): void;
  now?: () => Date;
}

/**
 * Which connection is editing which patch. Keyed by the connection object and one hold each (a new hold replaces
 * the connection's previous one), so memory is bounded by the number of open sockets whatever a client sends.
 */
export interface PatchHolds {
  hold(owner: object, request: PatchHoldRequest): void;
  /** No-op when the owner holds nothing. */
  release(owner: object): void;
  list(slideId: string): PatchHold[];
  size(): number;
  /** Clears every timer (daemon shutdown). */
  close(): void;
}

interface Entry {
  slideId: string;
  hold: PatchHold;
  timer: ReturnType<typeof setTimeout>;
}

export function createPatchHolds(options: PatchHoldsOptions): PatchHolds {
  const entries = new Map<object, Entry>();
  const now = options.now ?? (() => new Date());

  const drop = (owner: object): string | undefined => {
    const entry = entries.get(owner);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    entries.delete(owner);
    return entry.slideId;
  };

  const holds: PatchHolds = {
    hold(owner, request) {
      const previous = drop(owner);
      const timer = setTimeout(() => holds.release(owner), options.timeoutMs);
      timer.unref?.();
      entries.set(owner, {
        slideId: request.slideId,
        hold: { holder: request.holder, region: request.region, since: now().toISOString() },
        timer,
      });
      if (previous !== undefined && previous !== request.slideId) options.onChange(previous);
      options.onChange(request.slideId);
    },
    release(owner) {
      const slideId = drop(owner);
      if (slideId !== undefined) options.onChange(slideId);
    },
    list: (slideId) => [...entries.values()].filter((e) => e.slideId === slideId).map((e) => e.hold),
    size: () => entries.size,
    close() {
      for (const e of entries.values()) clearTimeout(e.timer);
      entries.clear();
    },
  };
  return holds;
}
