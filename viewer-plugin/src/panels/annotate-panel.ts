import type { Notice } from '../state/viewer-state.js';
import type { ToolName } from '../tools/annotation-tool.js';
import { el } from './el.js';
import { type CreatePanel, renderOnChange } from './panel.js';

const TOOLS: readonly (readonly [ToolName, string])[] = [
  ['pan', 'Pan'],
  ['brush', 'Brush (b)'],
  ['eraser', 'Eraser (e)'],
  ['polygon', 'Polygon (g)'],
];
const NOTICE_CLASS: Record<Notice['tone'], string> = {
  muted: 'as-muted',
  busy: 'as-muted',
  ok: 'as-ok',
  error: 'as-error',
};

/** Tool choice, brush radius, start mode, undo/redo and submit/skip for the region being annotated. */
export const createAnnotatePanel: CreatePanel = ({ intents }) => {
  const button = (text: string, onClick: () => void, attrs: Record<string, string> = {}) => {
    const b = el('button', { type: 'button', text, ...attrs });
    b.addEventListener('click', onClick);
    return b;
  };
  const toolButtons = TOOLS.map(([name, label]) => ({
    name,
    button: button(label, () => intents.setTool(name), { 'data-tool': name }),
  }));
  const radius = el('input', { type: 'range', min: 1, max: 96, value: 12, 'aria-label': 'brush radius' });
  const radiusLabel = el('span', { class: 'as-muted' });
  radius.addEventListener('input', () => intents.setRadius(Number(radius.value)));
  const startFrom = el(
    'select',
    { 'aria-label': 'start from' },
    el('option', { value: 'empty', text: 'Start empty' }),
    el('option', { value: 'prediction', text: 'Start from prediction' }),
  );
  startFrom.addEventListener('change', () =>
    intents.setStartFrom(startFrom.value === 'prediction' ? 'prediction' : 'empty'),
  );
  const annotateHere = button('Annotate view centre', () => intents.annotateViewCentre());
  const undo = button('Undo', () => intents.undo());
  const redo = button('Redo', () => intents.redo());
  const closePolygon = button('Close polygon', () => intents.closePolygon());
  const submit = button('Submit', () => intents.submitAnnotation(), { 'data-testid': 'activeseg-submit' });
  const skip = button('Skip', () => intents.skipSuggestion());
  const status = el('p', { class: 'as-muted', 'data-testid': 'activeseg-annotation-status' });
  const element = el(
    'section',
    { 'data-testid': 'activeseg-annotation' },
    el('h3', { text: 'Annotate' }),
    el('div', { class: 'as-row' }, ...toolButtons.map((t) => t.button)),
    el('label', { class: 'as-row' }, 'Radius', radius, radiusLabel),
    el('div', { class: 'as-row' }, startFrom, annotateHere),
    el('div', { class: 'as-row' }, undo, redo, closePolygon),
    el('div', { class: 'as-row' }, submit, skip),
    status,
  );
  return {
    element,
    render: renderOnChange(
      (s) => [s.tool, s.slide, s.selected, s.startFrom, s.annotationStatus],
      ({ tool, slide, selected, annotationStatus }) => {
        for (const t of toolButtons) t.button.setAttribute('aria-pressed', String(tool.tool === t.name));
        radiusLabel.textContent = `${tool.radius} px`;
        undo.disabled = !tool.canUndo;
        redo.disabled = !tool.canRedo;
        // Also off while a submit is in flight, so one click stores one annotation.
        submit.disabled = !tool.active || annotationStatus.tone === 'busy';
        skip.disabled = !tool.active && selected < 0;
        closePolygon.disabled = !tool.active || tool.tool !== 'polygon';
        annotateHere.disabled = !slide;
        status.className = NOTICE_CLASS[annotationStatus.tone];
        status.textContent = annotationStatus.text;
      },
    ),
    destroy: () => element.remove(),
  };
};
