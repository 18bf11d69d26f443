import { describeError } from '../client/describe-error.js';
import { el } from './el.js';
import { type CreatePanel, renderOnChange } from './panel.js';

/**
 * Shown only once the connection has failed for good (token refused, other protocol version): the page then
 * stops retrying, and the person needs to read what to do, above everything else, not in the status line.
 */
export const createConnectionPanel: CreatePanel = () => {
  const text = el('p', { class: 'as-error' });
  const element = el(
    'section',
    { class: 'as-alert', role: 'alert', 'data-testid': 'activeseg-connection-alert', hidden: true },
    el('h3', { text: 'Disconnected' }),
    text,
  );
  return {
    element,
    render: renderOnChange(
      (s) => [s.connection],
      ({ connection }) => {
        element.hidden = connection.state !== 'failed';
        text.textContent =
          connection.state !== 'failed'
            ? ''
            : connection.code
              ? describeError(connection.code)
              : 'The connection to the daemon stopped; reload the page.';
      },
    ),
    destroy: () => element.remove(),
  };
};
