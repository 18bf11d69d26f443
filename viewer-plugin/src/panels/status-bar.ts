import { sectionCount } from '@activeseg/protocol';
import { el } from './el.js';
import { type CreatePanel, renderOnChange } from './panel.js';

/** Connection, backend, model version, running jobs and the latest error, in one line. */
export const createStatusBar: CreatePanel = () => {
  const element = el('div', { class: 'activeseg-status', 'data-testid': 'activeseg-status' });
  return {
    element,
    render: renderOnChange(
      (s) => [s.connection, s.backend, s.modelVersion, s.jobs, s.lastError, s.slide, s.section],
      (s) => {
        const running = s.jobs.filter((j) => j.state === 'running' || j.state === 'queued').length;
        element.replaceChildren(
          el('span', { 'data-connection': s.connection.state, text: `● ${s.connection.state}` }),
          el('span', { text: `backend ${s.backend}` }),
          el('span', { text: `model ${s.modelVersion === undefined ? '–' : `v${s.modelVersion}`}` }),
          el('span', { text: `${running} job${running === 1 ? '' : 's'} running` }),
          s.slide && sectionCount(s.slide) > 1
            ? el('span', {
                'data-testid': 'activeseg-status-section',
                text: `section ${s.section + 1} of ${sectionCount(s.slide)}`,
              })
            : '',
          s.lastError && el('span', { class: 'as-error', 'data-testid': 'activeseg-error', text: s.lastError }),
        );
      },
    ),
    destroy: () => element.remove(),
  };
};
