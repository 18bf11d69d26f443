import { sectionCount } from '@activeseg/protocol';
import { el } from './el.js';
import { formatCursorPosition } from './format-cursor.js';
import { type CreatePanel, renderOnChange } from './panel.js';

/** Over the viewer, above the scale bar: the level-0 pixel under the pointer, in µm or nm too, and the section. */
export const createCursorReadout: CreatePanel = () => {
  const element = el('div', { class: 'activeseg-cursor', 'data-testid': 'activeseg-cursor', hidden: true });
  return {
    element,
    render: renderOnChange(
      (s) => [s.cursor, s.slide, s.section],
      ({ cursor, slide, section }) => {
        element.hidden = cursor === undefined || slide === undefined;
        if (!cursor || !slide) return;
        element.textContent = formatCursorPosition(cursor, {
          pixelSize: slide.pixelSize,
          section,
          sections: sectionCount(slide),
        });
      },
    ),
    destroy: () => element.remove(),
  };
};
