export interface UndoStackOptions {
  /** Most edits kept; the oldest is dropped first. Default 100. */
  maxEntries?: number;
  /** Most bytes of diffs kept (4 per changed pixel). Default 64 MiB. */
  maxBytes?: number;
}

/**
 * Bounded undo/redo for a binary mask. Each edit is stored as the indices of the pixels it flipped, not as a
 * snapshot: a brush stroke on a 4096² region touches a few thousand pixels, and a full copy per stroke would
 * cost 16 MiB. Because a binary pixel can only flip, the same index list undoes and redoes the edit.
 */
export class UndoStack {
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #undo: Uint32Array[] = [];
  #redo: Uint32Array[] = [];
  #bytes = 0;

  constructor(options: UndoStackOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 100;
    this.#maxBytes = options.maxBytes ?? 64 << 20;
    if (!(this.#maxEntries >= 1)) throw new RangeError('UndoStack: maxEntries must be ≥ 1');
  }

  get canUndo(): boolean {
    return this.#undo.length > 0;
  }

  get canRedo(): boolean {
    return this.#redo.length > 0;
  }

  get size(): number {
    return this.#undo.length;
  }

  /** Records the edit that turned `before` into `after`. Returns false (and records nothing) when nothing changed. */
  record(before: Uint8Array, after: Uint8Array): boolean {
    if (before.length !== after.length) throw new RangeError('UndoStack.record: snapshots differ in size');
    const changed: number[] = [];
    for (let i = 0; i < after.length; i++) if ((before[i]! === 0) !== (after[i]! === 0)) changed.push(i);
    if (changed.length === 0) return false;
    const diff = Uint32Array.from(changed);
    this.#undo.push(diff);
    this.#bytes += diff.byteLength;
    // A new edit forks history: the undone edits can no longer be redone.
    for (const d of this.#redo) this.#bytes -= d.byteLength;
    this.#redo = [];
    while (this.#undo.length > this.#maxEntries || (this.#bytes > this.#maxBytes && this.#undo.length > 1)) {
      this.#bytes -= this.#undo.shift()!.byteLength;
    }
    return true;
  }

  /** Reverts the latest edit in `mask` (0/1 bytes). */
  undo(mask: Uint8Array): boolean {
    const diff = this.#undo.pop();
    if (diff === undefined) return false;
    flip(mask, diff);
    this.#redo.push(diff);
    return true;
  }

  redo(mask: Uint8Array): boolean {
    const diff = this.#redo.pop();
    if (diff === undefined) return false;
    flip(mask, diff);
    this.#undo.push(diff);
    return true;
  }

  clear(): void {
    this.#undo = [];
    this.#redo = [];
    this.#bytes = 0;
  }
}

function flip(mask: Uint8Array, indices: Uint32Array): void {
  for (const i of indices) mask[i] = mask[i]! === 0 ? 1 : 0;
}
