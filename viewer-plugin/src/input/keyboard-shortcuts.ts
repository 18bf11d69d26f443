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

/** One shortcut: what it does, the keys the `?` overlay shows for it, and how it runs. */
interface ShortcutDef {
  keys: string;
  does: string;
  run: (intents: ViewerIntents) => void;
}

/** Every shortcut, in the order the `?` overlay lists them: the one table both the keys and the help read. */
export const SHORTCUTS = {
  submit: { keys: 'Enter', does: 'Submit the region (closes an open polygon first)', run: (i) => i.submitAnnotation() },
  skip: { keys: 's', does: 'Skip: drop the region, go to the next suggestion', run: (i) => i.skipSuggestion() },
  'hold-pan': { keys: 'hold Space', does: 'Pan while held, whatever the tool', run: (i) => i.holdPan(true) },
  pan: { keys: 'h', does: 'Pan tool', run: (i) => i.setTool('pan') },
  brush: { keys: 'b', does: 'Brush', run: (i) => i.setTool('brush') },
  eraser: { keys: 'e', does: 'Eraser', run: (i) => i.setTool('eraser') },
  polygon: {
    keys: 'g',
    does: 'Polygon: click vertices; double-click or click the first vertex to close',
    run: (i) => i.setTool('polygon'),
  },
  'cancel-polygon': { keys: 'Esc', does: 'Drop the open polygon (and close this help)', run: (i) => i.cancelPolygon() },
  'radius-down': { keys: '[', does: 'Smaller brush', run: (i) => i.stepRadius(-1) },
  'radius-up': { keys: ']', does: 'Larger brush', run: (i) => i.stepRadius(1) },
  fill: { keys: 'f', does: 'Fill the region from the prediction', run: (i) => i.fillFromPrediction() },
  'annotate-here': { keys: 'a', does: 'Annotate the patch at the view centre', run: (i) => i.annotateViewCentre() },
  undo: { keys: 'Ctrl+Z', does: 'Undo', run: (i) => i.undo() },
  redo: { keys: 'Ctrl+Shift+Z / Ctrl+Y', does: 'Redo', run: (i) => i.redo() },
  next: { keys: 'n', does: 'Next suggestion', run: (i) => i.stepSuggestion(1) },
  previous: { keys: 'p', does: 'Previous suggestion', run: (i) => i.stepSuggestion(-1) },
  'zoom-in': { keys: '+', does: 'Zoom in', run: (i) => i.zoomBy(1.5) },
  'zoom-out': { keys: '-', does: 'Zoom out', run: (i) => i.zoomBy(1 / 1.5) },
  help: { keys: '?', does: 'Show or hide this list', run: (i) => i.toggleHelp() },
  'section-previous': { keys: ',', does: 'Previous section of a volume', run: (i) => i.stepSection(-1) },
  'section-next': { keys: '.', does: 'Next section of a volume', run: (i) => i.stepSection(1) },
} satisfies Record<string, ShortcutDef>;

export type Shortcut = keyof typeof SHORTCUTS;

const PLAIN_KEYS: Record<string, Shortcut> = {
  Enter: 'submit',
  s: 'skip',
  ' ': 'hold-pan',
  h: 'pan',
  b: 'brush',
  e: 'eraser',
  g: 'polygon',
  Escape: 'cancel-polygon',
  '[': 'radius-down',
  ']': 'radius-up',
  f: 'fill',
  a: 'annotate-here',
  n: 'next',
  p: 'previous',
  '+': 'zoom-in',
  '=': 'zoom-in',
  '-': 'zoom-out',
  '?': 'help',
  ',': 'section-previous',
  '.': 'section-next',
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

export interface BindKeyboardShortcutsOptions {
  target: Pick<Document, 'addEventListener' | 'removeEventListener'>;
  intents: ViewerIntents;
}

/** Listens for the shortcuts on `target`; returns the function that stops listening. */
export function bindKeyboardShortcuts(options: BindKeyboardShortcutsOptions): () => void {
  const { intents } = options;
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
    // Also stops Enter/Space from clicking the focused button a second time.
    e.preventDefault();
    // Auto-repeat would submit twice or re-send "hold"; only [ ] and zoom repeat.
    if (e.repeat && !['radius-down', 'radius-up', 'zoom-in', 'zoom-out', 'undo', 'redo'].includes(shortcut)) return;
    if (shortcut === 'cancel-polygon') intents.toggleHelp(false);
    SHORTCUTS[shortcut].run(intents);
  };
  const onKeyUp = (e: KeyboardEvent): void => {
    if (e.key === ' ') intents.holdPan(false);
  };
  // A space released while the window had no focus never sends keyup.
  const onBlur = (): void => intents.holdPan(false);
  options.target.addEventListener('keydown', onKey);
  options.target.addEventListener('keyup', onKeyUp);
  globalThis.addEventListener?.('blur', onBlur);
  return () => {
    options.target.removeEventListener('keydown', onKey);
    options.target.removeEventListener('keyup', onKeyUp);
    globalThis.removeEventListener?.('blur', onBlur);
  };
}
