import { el } from './el.js';
import { formatModelDice, formatModelOrigin, formatWhen } from './format-model.js';
import { type CreatePanel, renderOnChange } from './panel.js';

/**
 * The model timeline, newest first: when each version was made, how (fine-tune of which version, or from scratch),
 * from how many annotations, its validation Dice and the current model's on the same patches. A version the promotion
 * rule kept aside carries its warning and a "Promote anyway" button; any other version can be made current again.
 */
export const createModelsPanel: CreatePanel = ({ intents }) => {
  const list = el('ul', { 'data-testid': 'activeseg-models' });
  list.addEventListener('click', (e) => {
    const target = e.target instanceof Element ? e.target : null;
    const promote = target?.closest<HTMLElement>('[data-promote]')?.dataset.promote;
    if (promote) intents.promoteModel(Number(promote));
    const changes = target?.closest<HTMLElement>('[data-changes]')?.dataset.changes;
    if (changes) intents.toggleChanges(Number(changes));
  });
  const empty = el('div', { class: 'as-muted', text: 'No model yet: annotate regions, then train.' });
  const element = el('section', {}, el('h3', { text: 'Models' }), empty, list);
  return {
    element,
    render: renderOnChange(
      (s) => [s.models, s.modelVersion, s.changes],
      (s) => {
        empty.hidden = s.models.length > 0;
        list.replaceChildren(
          ...[...s.models].reverse().map((m) => {
            const current = m.version === s.modelVersion;
            return el(
              'li',
              {
                'data-model-version': m.version,
                'data-current': String(current),
                'data-promoted': String(m.promoted),
                class: 'as-model',
              },
              el(
                'div',
                { class: 'as-row' },
                el('strong', { text: `v${m.version}` }),
                current && el('span', { class: 'as-badge', 'data-testid': 'activeseg-model-current', text: 'current' }),
                el('span', { class: 'as-muted', text: formatWhen(m.createdAt) }),
              ),
              el('div', { class: 'as-muted', text: formatModelOrigin(m) }),
              el(
                'div',
                { class: 'as-row' },
                el('span', { text: formatModelDice(m) }),
                // Filled by the learning measurements (estimated slide Dice per version) where the daemon has them.
                el('span', { class: 'as-muted', 'data-slot': 'estimated-slide-dice' }),
              ),
              m.warning &&
                el('div', { class: 'as-warning', 'data-testid': 'activeseg-model-warning', text: m.warning }),
              !current &&
                el(
                  'div',
                  { class: 'as-row' },
                  el('button', {
                    type: 'button',
                    'data-promote': m.version,
                    text: m.promoted ? 'Make current' : 'Promote anyway',
                  }),
                  el('button', {
                    type: 'button',
                    'data-changes': m.version,
                    'aria-pressed': String(s.changes?.from === m.version && s.changes.to === s.modelVersion),
                    title: `Pixels whose predicted class differs between v${m.version} and the current model (magenta: myelin only in the current one, cyan: only in v${m.version})`,
                    text: 'What changed',
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
