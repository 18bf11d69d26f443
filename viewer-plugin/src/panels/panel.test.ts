import { describe, expect, it } from 'vitest';
import { reduceViewerState } from '../state/reduce-viewer-state.js';
import { initialViewerState } from '../state/viewer-state.js';
import { renderOnChange } from './panel.js';

describe('renderOnChange', () => {
  it('renders the first time and then only when a selected slice changed', () => {
    const seen: number[] = [];
    const render = renderOnChange(
      (s) => [s.jobs],
      (s) => seen.push(s.jobs.length),
    );
    let state = initialViewerState();
    render(state);
    state = reduceViewerState(state, { type: 'error', message: 'not about jobs' });
    render(state);
    state = reduceViewerState(state, {
      type: 'job.info',
      info: { id: 'jb_1', kind: 'infer', state: 'queued', progress: { done: 0, total: 3 } },
    });
    render(state);
    render(state);
    expect(seen).toEqual([0, 1]);
  });
});
