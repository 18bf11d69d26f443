import { type Adjustment, NEUTRAL_ADJUSTMENT } from '../layers/tone-curve.js';
import { el } from './el.js';
import { type CreatePanel, renderOnChange } from './panel.js';

/** Slider range and label of each adjustment; gamma is on a log scale so 1 sits in the middle. */
const CONTROLS: readonly {
  key: keyof Adjustment;
  label: string;
  min: number;
  max: number;
  step: number;
  toSlider: (v: number) => number;
  fromSlider: (v: number) => number;
}[] = [
  { key: 'brightness', label: 'Brightness', min: -1, max: 1, step: 0.02, toSlider: (v) => v, fromSlider: (v) => v },
  { key: 'contrast', label: 'Contrast', min: 0, max: 3, step: 0.05, toSlider: (v) => v, fromSlider: (v) => v },
  {
    key: 'gamma',
    label: 'Gamma',
    min: -1,
    max: 1,
    step: 0.02,
    toSlider: (v) => Math.log10(v),
    fromSlider: (v) => Number((10 ** v).toFixed(2)),
  },
];

/** Brightness, contrast and gamma of the slide layer, remembered per slide in this browser. */
export const createAdjustPanel: CreatePanel = ({ intents }) => {
  let current: Adjustment = NEUTRAL_ADJUSTMENT;
  const rows = CONTROLS.map((c) => {
    const slider = el('input', {
      type: 'range',
      min: c.min,
      max: c.max,
      step: c.step,
      'aria-label': `slide ${c.key}`,
    });
    const value = el('span', { class: 'as-muted' });
    slider.addEventListener('input', () =>
      intents.setAdjustment({ ...current, [c.key]: c.fromSlider(Number(slider.value)) }),
    );
    return { c, slider, value, row: el('label', { class: 'as-row as-adjust' }, c.label, slider, value) };
  });
  const reset = el('button', { type: 'button', text: 'Reset' });
  reset.addEventListener('click', () => intents.setAdjustment(NEUTRAL_ADJUSTMENT));
  const element = el(
    'section',
    { 'data-testid': 'activeseg-adjust' },
    el('h3', { text: 'Slide display' }),
    ...rows.map((r) => r.row),
    reset,
  );
  return {
    element,
    render: renderOnChange(
      (s) => [s.adjustment],
      ({ adjustment }) => {
        current = adjustment;
        for (const { c, slider, value } of rows) {
          slider.value = String(c.toSlider(adjustment[c.key]));
          value.textContent = adjustment[c.key].toFixed(2);
        }
      },
    ),
    destroy: () => element.remove(),
  };
};
