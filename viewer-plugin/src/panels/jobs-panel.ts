import { el } from './el.js';
import { formatJobLine, progressFraction } from './format-job.js';
import { type CreatePanel, renderOnChange } from './panel.js';

/** How many jobs the list shows, newest first. */
const RECENT_JOBS = 6;

/** Start inference or training (fine-tune or from scratch), and follow recent jobs with a progress bar each. */
export const createJobsPanel: CreatePanel = ({ intents }) => {
  const infer = el('button', { type: 'button', text: 'Run inference', 'data-testid': 'activeseg-infer' });
  const finetune = el('button', { type: 'button', text: 'Train: fine-tune', 'data-testid': 'activeseg-train' });
  const scratch = el('button', {
    type: 'button',
    text: 'Train: from scratch',
    'data-testid': 'activeseg-train-scratch',
  });
  infer.addEventListener('click', () => intents.startInference());
  finetune.addEventListener('click', () => intents.startTraining('finetune'));
  scratch.addEventListener('click', () => intents.startTraining('scratch'));
  const list = el('div', { 'data-testid': 'activeseg-jobs' });
  list.addEventListener('click', (e) => {
    const id = e.target instanceof Element ? e.target.closest<HTMLElement>('[data-cancel]')?.dataset.cancel : undefined;
    if (id) intents.cancelJob(id);
  });
  const element = el(
    'section',
    {},
    el('h3', { text: 'Jobs' }),
    el('div', { class: 'as-row' }, infer, finetune, scratch),
    list,
  );
  return {
    element,
    render: renderOnChange(
      (s) => [s.jobs, s.slides, s.modelVersion, s.slide],
      (s) => {
        // Version 0 is the untrained model: inference would fail, so say what to do instead.
        const untrained = s.modelVersion === 0;
        infer.disabled = untrained || !s.slide;
        infer.title = untrained ? 'No model yet: annotate a region and train first' : '';
        list.replaceChildren(
          ...s.jobs
            .slice(-RECENT_JOBS)
            .reverse()
            .map((job) =>
              el(
                'div',
                { 'data-job-id': job.jobId, 'data-state': job.state },
                el(
                  'div',
                  { class: 'as-progress' },
                  el('div', { style: `width: ${Math.round(progressFraction(job) * 100)}%` }),
                ),
                el(
                  'div',
                  { class: 'as-row' },
                  el('span', {
                    class: job.state === 'failed' ? 'as-error' : 'as-muted',
                    text: formatJobLine(job, s.slides),
                  }),
                  (job.state === 'running' || job.state === 'queued') &&
                    el('button', { type: 'button', text: 'Cancel', 'data-cancel': job.jobId }),
                ),
              ),
            ),
        );
      },
    ),
    destroy: () => element.remove(),
  };
};
