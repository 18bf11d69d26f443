import { sectionCount } from '@activeseg/protocol';
import { el } from './el.js';
import { type CreatePanel, renderOnChange } from './panel.js';

/** Over the viewer, for a volume only: the section slider (`,` / `.` step it) and which section is shown. */
export const createSectionSlider: CreatePanel = ({ intents }) => {
  const slider = el('input', {
    type: 'range',
    min: '0',
    step: '1',
    'aria-label': 'Section',
    'data-testid': 'activeseg-section-slider',
  });
  const label = el('span', { 'data-testid': 'activeseg-section-label' });
  const element = el(
    'div',
    { class: 'activeseg-section', 'data-testid': 'activeseg-section', hidden: true },
    el('span', { text: 'z' }),
    slider,
    label,
  );
  const onInput = (): void => intents.setSection(Number(slider.value));
  slider.addEventListener('input', onInput);
  return {
    element,
    render: renderOnChange(
      (s) => [s.slide, s.section],
      ({ slide, section }) => {
        const sections = slide ? sectionCount(slide) : 1;
        element.hidden = sections < 2;
        if (sections < 2) return;
        slider.max = String(sections - 1);
        slider.value = String(section);
        label.textContent = `${section + 1} / ${sections}`;
      },
    ),
    destroy() {
      slider.removeEventListener('input', onInput);
      element.remove();
    },
  };
};
