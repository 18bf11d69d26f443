import { VIRIDIS } from '@activeseg/shared';
import { LAYER_NAMES, type LayerName } from '../state/viewer-state.js';
import { el } from './el.js';
import { legendGradient } from './legend-gradient.js';
import { type CreatePanel, renderOnChange } from './panel.js';

const LAYER_LABELS: Record<LayerName, string> = {
  image: 'Slide',
  prediction: 'Prediction P(myelin)',
  uncertainty: 'Uncertainty (MC std, √ scale)',
  annotations: 'Annotations (stored masks)',
};
/** Legend ticks at 0, ½ and 1 of the bar. The daemon draws uncertainty on a square-root scale, so its middle is ¼. */
const LEGEND_TICKS: Record<Exclude<LayerName, 'image' | 'annotations'>, readonly [string, string, string]> = {
  prediction: ['0', '0.5', '1'],
  uncertainty: ['0', '0.25', '1'],
};

/** Visibility, opacity, legend and shown model version of each tile layer. */
export const createLayersPanel: CreatePanel = ({ intents }) => {
  const element = el('section', { 'data-testid': 'activeseg-layers' }, el('h3', { text: 'Layers' }));
  const rows = LAYER_NAMES.map((layer) => {
    const checkbox = el('input', { type: 'checkbox', 'data-layer': layer });
    const slider = el('input', { type: 'range', min: 0, max: 100, step: 1, 'aria-label': `${layer} opacity` });
    const note = el('span', { class: 'as-muted' });
    checkbox.addEventListener('change', () => intents.setLayerVisible(layer, checkbox.checked));
    slider.addEventListener('input', () => intents.setLayerOpacity(layer, Number(slider.value) / 100));
    const block = el('div', {}, el('label', { class: 'as-row' }, checkbox, LAYER_LABELS[layer], note), slider);
    if (layer !== 'image' && layer !== 'annotations') {
      block.append(
        el('div', { class: 'as-legend', style: `background: ${legendGradient(VIRIDIS)}` }),
        el('div', { class: 'as-legend-scale' }, ...LEGEND_TICKS[layer].map((text) => el('span', { text }))),
      );
    }
    element.append(block);
    return { layer, checkbox, slider, note };
  });
  return {
    element,
    render: renderOnChange(
      (s) => [s.layers, s.annotations],
      (s) => {
        for (const { layer, checkbox, slider, note } of rows) {
          const view = s.layers[layer];
          checkbox.checked = view.visible;
          slider.value = String(Math.round(view.opacity * 100));
          note.textContent =
            layer === 'image'
              ? ''
              : layer === 'annotations'
                ? `${s.annotations.length} stored`
                : view.modelVersion === undefined
                  ? 'no inference yet'
                  : `model v${view.modelVersion}`;
        }
      },
    ),
    destroy: () => element.remove(),
  };
};
