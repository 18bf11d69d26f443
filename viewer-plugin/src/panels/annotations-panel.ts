import { heldBy } from '../state/held-by.js';
import type { ViewerState } from '../state/viewer-state.js';
import { el } from './el.js';
import { formatAnnotationArea, formatAnnotationPlace, formatWhen } from './format-annotation.js';
import { type CreatePanel, renderOnChange } from './panel.js';

const summary = (s: ViewerState): string => {
  if (!s.slide) return 'Open a slide.';
  if (s.annotations.length === 0) return 'No annotations on this slide yet.';
  return `${s.annotations.length} annotation${s.annotations.length === 1 ? '' : 's'}; click one to fly there.`;
};

/**
 * The open slide's stored annotations, newest first: where, when, how made, myelin area. A click flies there;
 * Edit loads it into the editor (a submit stores its next version); Delete asks first.
 */
export const createAnnotationsPanel: CreatePanel = ({ intents }) => {
  const note = el('p', { class: 'as-muted' });
  const list = el('ul', { 'data-testid': 'activeseg-annotations' });
  const element = el('section', {}, el('h3', { text: 'Annotations' }), note, list);
  list.addEventListener('click', (e) => {
    const target = e.target instanceof Element ? e.target : undefined;
    const edit = target?.closest<HTMLElement>('[data-edit-annotation-id]')?.dataset.editAnnotationId;
    if (edit) return intents.editAnnotation(edit);
    const remove = target?.closest<HTMLElement>('[data-delete-annotation-id]')?.dataset.deleteAnnotationId;
    if (remove) return intents.deleteAnnotation(remove);
    const id = target?.closest<HTMLElement>('[data-annotation-id]')?.dataset.annotationId;
    if (id) intents.flyToAnnotation(id);
  });
  return {
    element,
    render: renderOnChange(
      (s) => [s.slide, s.annotations, s.editing, s.holds],
      (s) => {
        note.textContent = summary(s);
        list.replaceChildren(
          ...[...s.annotations].reverse().map((a) => {
            const taken = heldBy(a.region, s.holds) !== undefined;
            return el(
              'li',
              {
                class: 'as-item',
                'data-annotation-id': a.id,
                'aria-selected': a.id === s.editing ? 'true' : 'false',
                title: `${a.id}, ${new Date(a.createdAt).toLocaleString()}`,
              },
              el(
                'span',
                {},
                el('span', { text: formatAnnotationPlace(a) }),
                el('br'),
                el('span', {
                  class: 'as-muted',
                  text: [formatWhen(a.createdAt), a.source, formatAnnotationArea(a)].filter(Boolean).join(' · '),
                }),
                taken ? el('span', { class: 'as-error', 'data-taken': 'true', text: ' · taken' }) : null,
              ),
              el(
                'span',
                {},
                el('button', {
                  type: 'button',
                  'data-edit-annotation-id': a.id,
                  title: 'Load into the editor; submit stores a new version',
                  text: 'Edit',
                }),
                el('button', {
                  type: 'button',
                  class: 'as-icon',
                  'data-delete-annotation-id': a.id,
                  title: 'Delete (asks first)',
                  'aria-label': `Delete annotation ${a.id}`,
                  text: '×',
                }),
              ),
            );
          }),
        );
      },
    ),
    destroy: () => element.remove(),
  };
};
