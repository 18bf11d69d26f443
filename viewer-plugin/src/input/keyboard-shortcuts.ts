import type { ViewerIntents } from '../actions/viewer-intents.js';

/** The parts of a KeyboardEvent the shortcuts look at. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  /** The focused element, to leave typing in form fields alone. */
  target?: { tagName?: string; type?: string } | null;
}

export type Shortcut =
  | 'undo'
  | 'redo'
  | 'next'
  | 'previous'
  | 'brush'
  | 'eraser'
  | 'polygon'
  | 'close-polygon'
  | 'cancel-polygon';

const PLAIN_KEYS: Record<string, Shortcut> = {
  n: 'next',
  p: 'previous',
  b: 'brush',
  e: 'eraser',
  g: 'polygon',
  Enter: 'close-polygon',
  Escape: 'cancel-polygon',
};

/** Which shortcut a key press means, if any. Keys typed into a form field are the field's (range sliders excepted). */
export function shortcutOf(press: KeyPress): Shortcut | undefined {
  const t = press.target;
  if (t?.tagName && /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) && t.type !== 'range') return undefined;
  const mod = press.ctrlKey || press.metaKey;
  const key = press.key.toLowerCase();
  if (mod && key === 'z') return press.shiftKey ? 'redo' : 'undo';
  if (mod && key === 'y') return 'redo';
  if (mod || press.altKey) return undefined;
  return PLAIN_KEYS[press.key];
}

const RUN: Record<Shortcut, (intents: ViewerIntents) => void> = {
  undo: (i) => i.undo(),
  redo: (i) => i.redo(),
  next: (i) => i.stepSuggestion(1),
  previous: (i) => i.stepSuggestion(-1),
  brush: (i) => i.setTool('brush'),
  eraser: (i) => i.setTool('eraser'),
  polygon: (i) => i.setTool('polygon'),
  'close-polygon': (i) => i.closePolygon(),
  'cancel-polygon': (i) => i.cancelPolygon(),
};

export interface BindKeyboardShortcutsOptions {
  target: Pick<Document, 'addEventListener' | 'removeEventListener'>;
  intents: ViewerIntents;
}

/** Listens for the shortcuts on `target`; returns the function that stops listening. */
export function bindKeyboardShortcuts(options: BindKeyboardShortcutsOptions): () => void {
  const onKey = (e: KeyboardEvent): void => {
    const shortcut = shortcutOf({
      key: e.key,
      ctrlKey: e.ctrlKey,
      metaKey: e.metaKey,
      shiftKey: e.shiftKey,
      altKey: e.altKey,
      target: e.target as { tagName?: string; type?: string } | null,
    });
    if (!shortcut) return;
    e.preventDefault();
    RUN[shortcut](options.intents);
  };
  options.target.addEventListener('keydown', onKey);
  return () => options.target.removeEventListener('keydown', onKey);
}
