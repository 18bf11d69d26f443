import { renderLearningSvg, SOURCE_COLOURS, SOURCE_LABELS } from '@activeseg/shared';
import { el } from './el.js';
import { annotationLine, estimateLine, timeLine } from './format-learning.js';
import { type CreatePanel, renderOnChange } from './panel.js';

/** Rows of the per-patch list, newest first. */
const RECENT_ANNOTATIONS = 8;
const PLOT = { width: 280, height: 170 };

/**
 * Is annotating paying off? The probe estimate of the model's Dice per version with its 95 % band, every
 * annotation's pre-annotation Dice coloured by source, the time spent, and the daemon's stop hint in words.
 */
export const createLearningPanel: CreatePanel = () => {
  const plot = el('div', { 'data-testid': 'activeseg-learning-plot' });
  const estimate = el('p', { 'data-testid': 'activeseg-learning-estimate' });
  const time = el('p', { class: 'as-muted' });
  const check = el('p', { class: 'as-muted', 'data-testid': 'activeseg-learning-check' });
  const stop = el('p', { 'data-testid': 'activeseg-learning-stop' });
  const list = el('ul', { class: 'as-muted', 'data-testid': 'activeseg-learning-annotations' });
  const legend = el(
    'div',
    { class: 'as-row as-muted' },
    ...(['uncertainty', 'random-probe', 'user'] as const).map((s) =>
      el('span', {}, el('span', { style: `color:${SOURCE_COLOURS[s]}`, text: '● ' }), SOURCE_LABELS[s]),
    ),
    el('span', {}, el('span', { style: `color:${SOURCE_COLOURS['random-probe']}`, text: '▬ ' }), 'estimate, 95% CI'),
  );
  const body = el('div', {}, plot, legend, estimate, time, check, stop, list);
  const empty = el('p', { class: 'as-muted', text: 'Open a slide.' });
  const element = el('section', { 'data-testid': 'activeseg-learning' }, el('h3', { text: 'Learning' }), empty, body);
  return {
    element,
    render: renderOnChange(
      (s) => [s.learning],
      (s) => {
        const report = s.learning;
        empty.hidden = report !== undefined;
        body.hidden = report === undefined;
        if (!report) return;
        const svg = new DOMParser().parseFromString(renderLearningSvg(report, PLOT), 'image/svg+xml').documentElement;
        plot.replaceChildren(document.importNode(svg, true));
        estimate.textContent = estimateLine(report);
        time.textContent = timeLine(report);
        check.textContent = report.uncertaintyCheck.message;
        stop.textContent = report.stop.message;
        stop.className = report.stop.state === 'stop' ? 'as-ok' : 'as-muted';
        list.replaceChildren(
          ...report.annotations
            .slice(-RECENT_ANNOTATIONS)
            .reverse()
            .map((a) => el('li', { 'data-source': a.source, text: annotationLine(a) })),
        );
      },
    ),
    destroy: () => element.remove(),
  };
};
