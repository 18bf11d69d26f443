import { describe, expect, it } from 'vitest';
import { type KeyPress, SHORTCUTS, shortcutOf } from './keyboard-shortcuts.js';

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
    expect(['n', 'p', 'b', 'e', 'g', 'h', 'Escape'].map((k) => shortcutOf(press(k)))).toEqual([
      'next',
      'previous',
      'brush',
      'eraser',
      'polygon',
      'pan',
      'cancel-polygon',
    ]);
    expect(shortcutOf(press('n', { ctrlKey: true }))).toBeUndefined();
    expect(shortcutOf(press('b', { altKey: true }))).toBeUndefined();
    expect(shortcutOf(press('x'))).toBeUndefined();
  });

  it('submits on Enter, pans while Space is held, sizes the brush with [ and ], and shows help on ?', () => {
    expect(['Enter', ' ', '[', ']', '?', 's', 'f'].map((k) => shortcutOf(press(k)))).toEqual([
      'submit',
      'hold-pan',
      'radius-down',
      'radius-up',
      'help',
      'skip',
      'fill',
    ]);
  });

  it('steps through the sections of a volume with , and .', () => {
    expect([',', '.'].map((k) => shortcutOf(press(k)))).toEqual(['section-previous', 'section-next']);
  });

  it('every key the table maps is listed in the help table', () => {
    for (const key of ['Enter', ' ', 'h', 'b', 'e', 'g', 'Escape', '[', ']', 'f', 'a', 'n', 'p', '+', '-', '?', 's']) {
      const shortcut = shortcutOf(press(key));
      expect(shortcut, key).toBeDefined();
      expect(SHORTCUTS[shortcut!].does.length).toBeGreaterThan(0);
    }
  });

  it('leaves keys typed into form fields alone, except on range sliders', () => {
    expect(shortcutOf(press('n', { target: { tagName: 'INPUT', type: 'text' } }))).toBeUndefined();
    expect(shortcutOf(press('z', { ctrlKey: true, target: { tagName: 'TEXTAREA' } }))).toBeUndefined();
    expect(shortcutOf(press('Enter', { target: { tagName: 'SELECT' } }))).toBeUndefined();
    expect(shortcutOf(press('n', { target: { tagName: 'INPUT', type: 'range' } }))).toBe('next');
    expect(shortcutOf(press('n', { target: { tagName: 'DIV' } }))).toBe('next');
  });
});
