import { el } from './el.js';
import { type CreatePanel, renderOnChange } from './panel.js';

/** The project's slides; a click opens one. */
export const createSlidesPanel: CreatePanel = ({ intents }) => {
  const list = el('ul', { 'data-testid': 'activeseg-slides' });
  const element = el(
    'section',
    {},
    el('h3', { text: 'Slides' }),
    list,
    el('p', {
      class: 'as-muted',
      text: 'Drop an image file on the slide, or use “Open image…” in the toolbar, to add it.',
    }),
  );
  list.addEventListener('click', (e) => {
    const target = e.target instanceof Element ? e.target : undefined;
    const remove = target?.closest<HTMLElement>('[data-delete-slide-id]')?.dataset.deleteSlideId;
    if (remove) {
      intents.deleteSlide(remove);
      return;
    }
    const id = target?.closest<HTMLElement>('[data-slide-id]')?.dataset.slideId;
    if (id) intents.openSlide(id);
  });
  return {
    element,
    render: renderOnChange(
      (s) => [s.slides, s.slide],
      (s) =>
        list.replaceChildren(
          ...s.slides.map((slide) =>
            el(
              'li',
              {
                class: 'as-item',
                'aria-selected': slide.id === s.slide?.id ? 'true' : 'false',
                'data-slide-id': slide.id,
              },
              el('span', { text: slide.name }),
              el('span', { class: 'as-muted', text: `${slide.width}×${slide.height}` }),
              el('button', {
                type: 'button',
                class: 'as-icon',
                title: `Delete ${slide.name} (asks first)`,
                'aria-label': `Delete ${slide.name}`,
                'data-delete-slide-id': slide.id,
                text: '×',
              }),
            ),
          ),
        ),
    ),
    destroy: () => element.remove(),
  };
};
