import { el } from './el.js';
import { scaleBarFor } from './format-size.js';
import { type CreatePanel, renderOnChange } from './panel.js';

/** A scale bar over the slide (nm, µm or mm: `formatLength`), shown once the slide has a pixel size. */
export const createScaleBar: CreatePanel = () => {
  const bar = el('div', { class: 'as-scale-line' });
  const label = el('span');
  const element = el('div', { class: 'activeseg-scale', 'data-testid': 'activeseg-scale', hidden: true }, bar, label);
  return {
    element,
    render: renderOnChange(
      (s) => [s.zoom, s.slide],
      ({ zoom, slide }) => {
        const scale = zoom === undefined ? undefined : scaleBarFor(zoom, slide?.pixelSize?.x);
        element.hidden = scale === undefined;
        if (!scale) return;
        bar.style.width = `${scale.px.toFixed(1)}px`;
        label.textContent = scale.label;
      },
    ),
    destroy: () => element.remove(),
  };
};
