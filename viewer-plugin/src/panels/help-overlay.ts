import { SHORTCUTS } from '../input/keyboard-shortcuts.js';
import { el } from './el.js';
import { type CreatePanel, renderOnChange } from './panel.js';

/** The `?` overlay: every shortcut, from the same table the keys are bound from, so the list cannot drift. */
export const createHelpOverlay: CreatePanel = ({ intents }) => {
  const close = el('button', { type: 'button', text: 'Close (Esc)' });
  close.addEventListener('click', () => intents.toggleHelp(false));
  const element = el(
    'div',
    { class: 'activeseg activeseg-help', 'data-testid': 'activeseg-help', role: 'dialog', hidden: true },
    el('h3', { text: 'Keyboard shortcuts' }),
    el(
      'table',
      {},
      ...Object.values(SHORTCUTS).map((s) =>
        el('tr', {}, el('td', {}, el('kbd', { text: s.keys })), el('td', { text: s.does })),
      ),
    ),
    close,
  );
  return {
    element,
    render: renderOnChange(
      (s) => [s.helpOpen],
      (s) => {
        element.hidden = !s.helpOpen;
      },
    ),
    destroy: () => element.remove(),
  };
};
