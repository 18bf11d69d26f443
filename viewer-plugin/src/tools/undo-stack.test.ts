import { describe, expect, it } from 'vitest';
import { UndoStack } from './undo-stack.js';

function edit(mask: Uint8Array, stack: UndoStack, apply: (m: Uint8Array) => void): void {
  const before = mask.slice();
  apply(mask);
  stack.record(before, mask);
}

describe('UndoStack', () => {
  it('undoes and redoes edits in order', () => {
    const mask = new Uint8Array(8);
    const stack = new UndoStack();
    edit(mask, stack, (m) => m.fill(1, 0, 4));
    edit(mask, stack, (m) => m.fill(0, 2, 3));
    expect(Array.from(mask)).toEqual([1, 1, 0, 1, 0, 0, 0, 0]);
    expect(stack.undo(mask)).toBe(true);
    expect(Array.from(mask)).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    expect(stack.undo(mask)).toBe(true);
    expect(Array.from(mask)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(stack.undo(mask)).toBe(false);
    expect(stack.redo(mask)).toBe(true);
    expect(stack.redo(mask)).toBe(true);
    expect(Array.from(mask)).toEqual([1, 1, 0, 1, 0, 0, 0, 0]);
    expect(stack.canRedo).toBe(false);
  });

  it('ignores no-op edits and a new edit clears the redo branch', () => {
    const mask = new Uint8Array(4);
    const stack = new UndoStack();
    expect(stack.record(mask.slice(), mask)).toBe(false);
    edit(mask, stack, (m) => m.fill(1));
    stack.undo(mask);
    edit(mask, stack, (m) => m.fill(1, 0, 1));
    expect(stack.canRedo).toBe(false);
    expect(stack.size).toBe(1);
  });

  it('drops the oldest edits beyond maxEntries and maxBytes', () => {
    const mask = new Uint8Array(16);
    const stack = new UndoStack({ maxEntries: 3 });
    for (let i = 0; i < 5; i++) edit(mask, stack, (m) => m.fill(1, i, i + 1));
    expect(stack.size).toBe(3);
    while (stack.undo(mask));
    // The first two edits are permanent now.
    expect(Array.from(mask.subarray(0, 5))).toEqual([1, 1, 0, 0, 0]);

    const byBytes = new UndoStack({ maxBytes: 4 * 10 });
    const big = new Uint8Array(16);
    edit(big, byBytes, (m) => m.fill(1, 0, 8));
    edit(big, byBytes, (m) => m.fill(1, 8, 16));
    expect(byBytes.size).toBe(1);
  });

  it('treats 255 like 1 when diffing', () => {
    const stack = new UndoStack();
    expect(stack.record(Uint8Array.from([1]), Uint8Array.from([255]))).toBe(false);
  });
});
