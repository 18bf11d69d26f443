/** A pause longer than this is not annotating (the person left, or read something else). */
export const MAX_ACTIVE_GAP_MS = 60_000;

/**
 * Active time on one region: the sum of the gaps between consecutive inputs (opening the region, pointer presses
 * and drags, undo, submit…) that are at most `maxGapMs` long. Idle stretches count nothing, not even up to the cap.
 */
export class ActiveTimer {
  private last: number | undefined;
  private activeMs = 0;

  constructor(private readonly maxGapMs: number = MAX_ACTIVE_GAP_MS) {}

  /** Starts over, counting from `nowMs` (the region was opened). */
  restart(nowMs: number): void {
    this.activeMs = 0;
    this.last = nowMs;
  }

  /** An input at `nowMs`. Before any `restart` it only starts the clock. */
  touch(nowMs: number): void {
    if (this.last !== undefined) {
      const gap = nowMs - this.last;
      if (gap > 0 && gap <= this.maxGapMs) this.activeMs += gap;
    }
    this.last = Math.max(nowMs, this.last ?? nowMs);
  }

  get seconds(): number {
    return this.activeMs / 1000;
  }
}
