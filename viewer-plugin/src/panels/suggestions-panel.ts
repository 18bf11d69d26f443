import { heldBy } from '../state/held-by.js';
import type { ViewerState } from '../state/viewer-state.js';
import { suggestionRegion } from '../tools/annotation-region.js';
import { el } from './el.js';
import { type CreatePanel, renderOnChange } from './panel.js';

const summary = (s: ViewerState): string => {
  if (!s.slide) return 'Open a slide.';
  // Inference needs a trained model; version 0 is the untrained one.
  if (s.modelVersion === 0) return 'No model yet: annotate a region and train (Jobs).';
  if (s.suggestionsVersion === null) return 'No inference on this slide yet: run inference in Jobs.';
  const range = s.suggestions.length
    ? `${s.suggestions.at(-1)!.score.toFixed(3)}–${s.suggestions[0]!.score.toFixed(3)}`
    : '–';
  return `${s.suggestions.length} most informative patches (model v${s.suggestionsVersion}); score: ${range}`;
};

/** The most informative patches of the open slide, best first; a click flies there and starts annotating. */
export const createSuggestionsPanel: CreatePanel = ({ intents }) => {
  const note = el('p', { class: 'as-muted' });
  const list = el('ul', { 'data-testid': 'activeseg-suggestions' });
  const element = el('section', {}, el('h3', { text: 'Suggestions (n / p)' }), note, list);
  list.addEventListener('click', (e) => {
    const index =
      e.target instanceof Element ? e.target.closest<HTMLElement>('[data-index]')?.dataset.index : undefined;
    if (index !== undefined) intents.selectSuggestion(Number(index));
  });
  return {
    element,
    render: renderOnChange(
      (s) => [s.slide, s.suggestions, s.suggestionsVersion, s.selected, s.modelVersion, s.holds],
      (s) => {
        note.textContent = summary(s);
        list.replaceChildren(
          ...s.suggestions.map((sug, i) => {
            // Another tab is editing it: marked, still clickable (opening it warns).
            const taken = s.slide !== undefined && heldBy(suggestionRegion(sug, s.slide), s.holds) !== undefined;
            return el(
              'li',
              {
                class: 'as-item',
                'aria-selected': i === s.selected ? 'true' : 'false',
                'data-index': i,
                'data-taken': taken,
                title: taken ? 'Another tab is editing this patch' : undefined,
              },
              el('span', { text: `#${i + 1} patch ${sug.patch.col},${sug.patch.row}` }),
              taken ? el('span', { class: 'as-error', text: 'taken' }) : null,
              el('span', { class: 'as-muted', text: sug.score.toFixed(3) }),
            );
          }),
        );
      },
    ),
    destroy: () => element.remove(),
  };
};
