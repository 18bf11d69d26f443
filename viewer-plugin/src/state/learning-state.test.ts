import type { LearningReport } from '@activeseg/protocol';
import { describe, expect, it } from 'vitest';
import { slideInfo } from '../testing/slide-info.js';
import { reduceViewerState } from './reduce-viewer-state.js';
import { initialViewerState } from './viewer-state.js';

const report = (slideId: string): LearningReport => ({
  slideId,
  versions: [],
  annotations: [],
  uncertaintyCheck: { state: 'too-early', difference: { value: null, lo: null, hi: null, n: 0 }, message: 'm' },
  stop: { state: 'too-early', message: 's' },
  minutesAnnotated: 0,
});

describe('learning state', () => {
  it('keeps the report of the open slide, drops one for another slide, and forgets it when the slide changes', () => {
    let s = reduceViewerState(initialViewerState(), { type: 'slide.opened', slide: slideInfo('a') });
    s = reduceViewerState(s, { type: 'learning.loaded', report: report('a') });
    expect(s.learning?.slideId).toBe('a');
    const stale = reduceViewerState(s, { type: 'learning.loaded', report: report('b') });
    expect(stale).toBe(s);
    s = reduceViewerState(s, { type: 'slide.opened', slide: slideInfo('b') });
    expect(s.learning).toBeUndefined();
    s = reduceViewerState(s, { type: 'learning.loaded', report: report('b') });
    s = reduceViewerState(s, { type: 'slide.closed' });
    expect(s.learning).toBeUndefined();
  });
});
