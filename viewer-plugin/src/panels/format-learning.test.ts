import type { AnnotationLearning, LearningReport } from '@activeseg/protocol';
import { describe, expect, it } from 'vitest';
import { annotationLine, estimateLine, formatDuration, timeLine } from './format-learning.js';

const annotation = (over: Partial<AnnotationLearning>): AnnotationLearning => ({
  annotationId: 'an_1',
  createdAt: '2026-01-01T00:00:00Z',
  region: { x: 0, y: 0, width: 512, height: 512 },
  source: 'random-probe',
  modelVersion: 2,
  activeSeconds: 30,
  strokes: 4,
  objects: 5,
  preAnnotation: { dice: 0.8123, precision: 0.9, recall: 0.75 },
  pending: false,
  ...over,
});
const report = (over: Partial<LearningReport>): LearningReport => ({
  slideId: 'sl_1',
  versions: [],
  annotations: [],
  uncertaintyCheck: { state: 'too-early', difference: { value: null, lo: null, hi: null, n: 0 }, message: '' },
  stop: { state: 'too-early', message: '' },
  minutesAnnotated: 0,
  ...over,
});

describe('learning panel text', () => {
  it('states the newest estimate with its interval and the versions it borrowed', () => {
    const r = report({
      versions: [
        { modelVersion: 1, dice: { value: 0.6, lo: 0.5, hi: 0.7, n: 5 }, probes: 5, pooledVersions: [1] },
        { modelVersion: 2, dice: { value: 0.71, lo: 0.64, hi: 0.79, n: 7 }, probes: 2, pooledVersions: [2, 1] },
        { modelVersion: 3, dice: { value: null, lo: null, hi: null, n: 0 }, probes: 0, pooledVersions: [] },
      ],
    });
    expect(estimateLine(r)).toBe(
      'Estimated Dice of v2 on this slide: 0.71 (95% CI 0.64–0.79, 7 probes, pooled with v1)',
    );
    expect(estimateLine(report({}))).toMatch(/^No estimate yet/);
  });

  it('gives total minutes and the median seconds per patch', () => {
    const r = report({
      minutesAnnotated: 2.5,
      annotations: [
        annotation({ activeSeconds: 30 }),
        annotation({ activeSeconds: 100 }),
        annotation({ activeSeconds: 20 }),
        annotation({ activeSeconds: null }),
      ],
    });
    expect(timeLine(r)).toBe('Annotated 2.5 min over 3 patches (median 30 s per patch)');
    expect(formatDuration(59.6)).toBe('60 s');
    expect(formatDuration(90)).toBe('1.5 min');
  });

  it('describes each annotation by source, pre-annotation score, time and objects', () => {
    expect(annotationLine(annotation({}))).toBe('random probe · Dice 0.81 (P 0.90, R 0.75) · 30 s · 5 objects');
    expect(annotationLine(annotation({ preAnnotation: null, pending: true, source: 'uncertainty', objects: 1 }))).toBe(
      'uncertainty pick · score pending (no prediction yet) · 30 s · 1 object',
    );
  });
});
