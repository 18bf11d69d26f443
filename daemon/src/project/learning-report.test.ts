import type { AnnotationSource } from '@activeseg/protocol';
import { describe, expect, it } from 'vitest';
import type { AnnotationLearningRow } from '../store/learning-repo.js';
import { buildLearningReport } from './learning-report.js';

let next = 0;
/** A scored annotation whose pre-annotation Dice is exactly `dice` (tp = dice·50, fp = fn = (1 − dice)·50). */
function row(source: AnnotationSource, version: number, dice: number, seconds = 60): AnnotationLearningRow {
  const tp = dice * 50;
  const miss = (1 - dice) * 50;
  return {
    annotationId: `an_${String(next++).padStart(4, '0')}`,
    slideId: 'sl_1',
    modelVersion: version,
    activeSeconds: seconds,
    strokes: 2,
    source,
    objects: 3,
    counts: { tp, fp: miss, fn: miss, tn: 100 },
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, next)).toISOString(),
    x: 0,
    y: 0,
    width: 512,
    height: 512,
  };
}
const spread = (v: number, centre: number, source: AnnotationSource = 'random-probe') =>
  [-0.02, -0.01, 0, 0.01, 0.02].map((d) => row(source, v, centre + d));

describe('buildLearningReport', () => {
  it('estimates each version from its probes with an interval, and says stop with the minutes when it stays flat', () => {
    const rows = [...spread(1, 0.8), ...spread(2, 0.8), ...spread(3, 0.805)];
    const r = buildLearningReport({ slideId: 'sl_1', rows, modelVersions: [1, 2, 3] });
    expect(r.versions.map((v) => [v.modelVersion, v.probes, v.pooledVersions])).toEqual([
      [1, 5, [1]],
      [2, 5, [2]],
      [3, 5, [3]],
    ]);
    expect(r.versions[0]!.dice.value).toBeCloseTo(0.8, 10);
    expect(r.versions[0]!.dice.lo!).toBeLessThan(0.8);
    expect(r.versions[0]!.dice.hi!).toBeGreaterThan(0.8);
    expect(r.minutesAnnotated).toBe(15);
    expect(r.stop.state).toBe('stop');
    expect(r.stop.message).toMatch(/^more annotation is unlikely to improve the model.*15\.0 min annotated so far$/);
    expect(r.annotations[0]).toMatchObject({
      source: 'random-probe',
      objects: 3,
      strokes: 2,
      activeSeconds: 60,
      pending: false,
      preAnnotation: { dice: expect.closeTo(0.78, 10), precision: expect.closeTo(0.78, 10) },
    });
  });

  it('keeps going while the estimate rises, and is too early without three versions of five probes', () => {
    const rising = buildLearningReport({
      slideId: 'sl_1',
      rows: [...spread(1, 0.5), ...spread(2, 0.65), ...spread(3, 0.8)],
      modelVersions: [1, 2, 3],
    });
    expect(rising.stop.state).toBe('keep-going');
    const early = buildLearningReport({ slideId: 'sl_1', rows: spread(1, 0.8), modelVersions: [1, 2, 3] });
    expect(early.stop.state).toBe('too-early');
    // Versions 2 and 3 borrow version 1's probes, shown as such, and do not count towards the stop rule.
    expect(early.versions.map((v) => v.pooledVersions)).toEqual([[1], [1], [1]]);
  });

  it('says the uncertainty is informative when its picks score lower than probes, and not informative otherwise', () => {
    const probes = spread(1, 0.8);
    const harder = buildLearningReport({
      slideId: 'sl_1',
      rows: [...probes, ...spread(1, 0.4, 'uncertainty')],
      modelVersions: [1],
    });
    expect(harder.uncertaintyCheck.state).toBe('informative');
    expect(harder.uncertaintyCheck.difference.value).toBeCloseTo(-0.4, 10);
    const easier = buildLearningReport({
      slideId: 'sl_1',
      rows: [...probes, ...spread(1, 0.85, 'uncertainty')],
      modelVersions: [1],
    });
    expect(easier.uncertaintyCheck.state).toBe('not-informative');
    expect(easier.uncertaintyCheck.message).toMatch(/^uncertainty is not informative on this slide/);
    const early = buildLearningReport({ slideId: 'sl_1', rows: probes, modelVersions: [1] });
    expect(early.uncertaintyCheck.state).toBe('too-early');
  });

  it('marks an annotation whose prediction is missing as pending, without a score', () => {
    const pending = { ...row('user', 2, 0.5), counts: null };
    const r = buildLearningReport({ slideId: 'sl_1', rows: [pending], modelVersions: [2] });
    expect(r.annotations[0]).toMatchObject({ pending: true, preAnnotation: null });
    expect(r.versions).toEqual([
      { modelVersion: 2, dice: { value: null, lo: null, hi: null, n: 0 }, probes: 0, pooledVersions: [] },
    ]);
  });
});
