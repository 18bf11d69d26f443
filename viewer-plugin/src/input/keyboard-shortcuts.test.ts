import { describe, expect, it } from 'vitest';
import { type KeyPress, shortcutOf } from './keyboard-shortcuts.js';

const press = (key: string, extra: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...extra,
});

describe('shortcutOf', () => {
  it('maps Ctrl/Cmd+Z to undo, with Shift or Ctrl+Y to redo', () => {
    expect(shortcutOf(press('z', { ctrlKey: true }))).toBe('undo');
    expect(shortcutOf(press('Z', { metaKey: true, shiftKey: true }))).toBe('redo');
    expect(shortcutOf(press('y', { ctrlKey: true }))).toBe('redo');
  });

  it('maps the plain keys to suggestions and tools, and ignores them with a modifier', () => {
    expect(['n', 'p', 'b', 'e', 'g', 'Enter', 'Escape'].map((k) => shortcutOf(press(k)))).toEqual([
      'next',
      'previous',
      'brush',
      'eraser',
      'polygon',
      'close-polygon',
      'cancel-polygon',
    ]);
    expect(shortcutOf(press('n', { ctrlKey: true }))).toBeUndefined();
    expect(shortcutOf(press('b', { altKey: true }))).toBeUndefined();
    expect(shortcutOf(press('x'))).toBeUndefined();
  });

  it('leaves keys typed into form fields alone, except on range sliders', () => {
    expect(shortcutOf(press('n', { target: { tagName: 'INPUT', type: 'text' } }))).toBeUndefined();
    expect(shortcutOf(press('z', { ctrlKey: true, target: { tagName: 'TEXTAREA' } }))).toBeUndefined();
    expect(shortcutOf(press('Enter', { target: { tagName: 'SELECT' } }))).toBeUndefined();
    expect(shortcutOf(press('n', { target: { tagName: 'INPUT', type: 'range' } }))).toBe('next');
    expect(shortcutOf(press('n', { target: { tagName: 'DIV' } }))).toBe('next');
  });
});
