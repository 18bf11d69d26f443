import { SHORTCUTS, type Shortcut } from '../input/keyboard-shortcuts.js';
import { IMAGE_EXTENSIONS } from '../io/image-extensions.js';
import type { Notice } from '../state/viewer-state.js';
import type { ToolName } from '../tools/annotation-tool.js';
import { el } from './el.js';
import { formatImageLength, formatZoomPercent } from './format-size.js';
import { type CreatePanel, renderOnChange } from './panel.js';

const TOOLS: readonly (readonly [ToolName, string, Shortcut])[] = [
  ['pan', 'Pan', 'pan'],
  ['brush', 'Brush', 'brush'],
  ['eraser', 'Eraser', 'eraser'],
  ['polygon', 'Polygon', 'polygon'],
];
const NOTICE_CLASS: Record<Notice['tone'], string> = {
  muted: 'as-muted',
  busy: 'as-muted',
  ok: 'as-ok',
  error: 'as-error',
};

/**
 * Everything needed per annotation, over the viewer where the hands are: tools, brush size (in image pixels,
 * and µm when the slide says its pixel size), fill from prediction, undo/redo, submit/skip, zoom, the file
 * picker and `?` for the shortcut list. Each button's tooltip names its key, read from the one shortcut table.
 */
export const createToolbar: CreatePanel = ({ intents }) => {
  const button = (text: string, onClick: () => void, shortcut?: Shortcut, attrs: Record<string, string> = {}) => {
    const title = shortcut ? `${SHORTCUTS[shortcut].does} (${SHORTCUTS[shortcut].keys})` : undefined;
    const b = el('button', { type: 'button', text, ...(title ? { title } : {}), ...attrs });
    b.addEventListener('click', onClick);
    return b;
  };
  const toolButtons = TOOLS.map(([name, label, key]) => ({
    name,
    button: button(label, () => intents.setTool(name), key, { 'data-tool': name }),
  }));
  const radius = el('input', { type: 'range', min: 1, max: 96, value: 12, 'aria-label': 'brush radius' });
  const radiusLabel = el('span', { class: 'as-muted', 'data-testid': 'activeseg-radius' });
  radius.addEventListener('input', () => intents.setRadius(Number(radius.value)));
  const startFrom = el(
    'select',
    { 'aria-label': 'start from', title: 'What a new region starts with' },
    el('option', { value: 'empty', text: 'Start empty' }),
    el('option', { value: 'prediction', text: 'Start from prediction' }),
  );
  startFrom.addEventListener('change', () =>
    intents.setStartFrom(startFrom.value === 'prediction' ? 'prediction' : 'empty'),
  );
  const fill = button('Fill from prediction', () => intents.fillFromPrediction(), 'fill');
  const annotateHere = button('Annotate here', () => intents.annotateViewCentre(), 'annotate-here');
  const undo = button('Undo', () => intents.undo(), 'undo');
  const redo = button('Redo', () => intents.redo(), 'redo');
  const submit = button('Submit ⏎', () => intents.submitAnnotation(), 'submit', {
    'data-testid': 'activeseg-submit',
    class: 'as-primary',
  });
  const skip = button('Skip', () => intents.skipSuggestion(), 'skip');
  const zoomOut = button('−', () => intents.zoomBy(1 / 1.5), 'zoom-out', { 'aria-label': 'zoom out' });
  const zoomIn = button('+', () => intents.zoomBy(1.5), 'zoom-in', { 'aria-label': 'zoom in' });
  const zoomLabel = el('span', { class: 'as-muted as-zoom', 'data-testid': 'activeseg-zoom' });
  const picker = el('input', {
    type: 'file',
    hidden: true,
    accept: Object.keys(IMAGE_EXTENSIONS)
      .map((e) => `.${e}`)
      .join(','),
  });
  picker.addEventListener('change', () => {
    const file = picker.files?.[0];
    if (file) intents.openLocalFile(file);
    picker.value = '';
  });
  const open = button('Open image…', () => picker.click(), undefined, {
    title: 'Add an image file as a slide (or drop it on the viewer)',
    'data-testid': 'activeseg-open-file',
  });
  const help = button('?', () => intents.toggleHelp(), 'help', { 'aria-label': 'keyboard shortcuts' });
  const status = el('span', { class: 'as-muted', 'data-testid': 'activeseg-annotation-status' });
  const group = (...children: HTMLElement[]) => el('div', { class: 'as-group' }, ...children);
  const element = el(
    'div',
    { class: 'activeseg activeseg-toolbar', 'data-testid': 'activeseg-toolbar', role: 'toolbar' },
    el(
      'div',
      { class: 'as-bar' },
      group(...toolButtons.map((t) => t.button)),
      group(el('label', { class: 'as-size', title: 'Brush radius ([ and ])' }, radius, radiusLabel)),
      group(undo, redo),
      group(submit, skip),
      group(zoomOut, zoomLabel, zoomIn),
      group(help),
    ),
    el('div', { class: 'as-bar' }, group(annotateHere, startFrom, fill), group(open, picker), status),
  );
  return {
    element,
    render: renderOnChange(
      (s) => [s.tool, s.slide, s.selected, s.annotationStatus, s.zoom],
      ({ tool, slide, selected, annotationStatus, zoom }) => {
        for (const t of toolButtons) {
          const on = tool.panHeld ? t.name === 'pan' : tool.tool === t.name;
          t.button.setAttribute('aria-pressed', String(on));
        }
        if (Number(radius.value) !== tool.radius) radius.value = String(tool.radius);
        radiusLabel.textContent = formatImageLength(tool.radius, slide?.pixelSize?.x);
        undo.disabled = !tool.canUndo;
        redo.disabled = !tool.canRedo;
        // Also off while a submit is in flight, so one click stores one annotation.
        submit.disabled = !tool.active || annotationStatus.tone === 'busy';
        skip.disabled = !tool.active && selected < 0;
        fill.disabled = !tool.active;
        annotateHere.disabled = !slide;
        zoomLabel.textContent = zoom === undefined ? '–' : formatZoomPercent(zoom);
        status.className = NOTICE_CLASS[annotationStatus.tone];
        status.textContent = annotationStatus.text;
      },
    ),
    destroy: () => element.remove(),
  };
};
