import { AnnotationAck, ErrorBody, LearningReport, SuggestionList } from '@activeseg/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addDemoSlide, createTempProject, type TempProject } from '../../testing/temp-project.js';
import { writePrediction } from '../../testing/write-prediction.js';

let t: TempProject;
let slideId: string;
beforeEach(async () => {
  t = createTempProject();
  slideId = (await addDemoSlide(t)).id;
  t.project.store.modelVersions.insert({ version: 1, mode: 'import', jobId: null, metrics: null, createdAt: 'x' });
  // The demo slide is a 4 × 3 grid of 512² cells; version 1 predicts myelin everywhere, cell i scores 12 − i.
  for (let i = 0; i < 12; i++) {
    await writePrediction(
      t.project,
      { slideId, modelVersion: 1, col: i % 4, row: Math.floor(i / 4), size: 512, score: 12 - i },
      () => 0.9,
    );
  }
});
afterEach(() => t.dispose());

const learning = async () => {
  const res = await t.app.request(`/api/learning?slideId=${slideId}`, { headers: t.auth });
  expect(res.status).toBe(200);
  return LearningReport.parse(await res.json());
};

describe('GET /api/learning', () => {
  it('reports each annotation’s pre-annotation score, source and cost, and the probe estimate per version', async () => {
    const list = SuggestionList.parse(
      await (await t.app.request(`/api/suggestions?slideId=${slideId}&k=10`, { headers: t.auth })).json(),
    );
    // 12 cells, 8 uncertainty picks (scores 12..5) and 2 probes from the other 4.
    const probe = list.suggestions.find((s) => s.score <= 4)!.patch;
    const pick = list.suggestions.find((s) => s.score > 4)!.patch;
    const annotate = async (patch: typeof probe, clientId: string, seconds: number) => {
      const res = await t.app.request('/api/annotations', {
        method: 'POST',
        headers: t.auth,
        body: JSON.stringify({
          slideId,
          region: { x: patch.x, y: patch.y, width: 4, height: 2 },
          // bg bg fg fg on both rows; the prediction is myelin everywhere → tp 4, fp 4.
          mask: { encoding: 'rle', counts: [2, 2, 2, 2] },
          clientId,
          modelVersion: 1,
          activeSeconds: seconds,
          strokes: 1,
          source: 'uncertainty',
        }),
      });
      return AnnotationAck.parse(await res.json()).id;
    };
    const probeId = await annotate(probe, 'learning-probe-1', 90);
    const pickId = await annotate(pick, 'learning-pick-01', 30);

    const report = await learning();
    expect(report.minutesAnnotated).toBe(2);
    const byId = new Map(report.annotations.map((a) => [a.annotationId, a]));
    expect(byId.get(probeId)).toMatchObject({ source: 'random-probe', activeSeconds: 90, objects: 1, pending: false });
    expect(byId.get(pickId)).toMatchObject({ source: 'uncertainty', activeSeconds: 30, strokes: 1 });
    expect(byId.get(probeId)!.preAnnotation).toEqual({ dice: 8 / 12, precision: 0.5, recall: 1 });
    expect(report.versions).toEqual([
      { modelVersion: 1, dice: { value: 8 / 12, lo: 8 / 12, hi: 8 / 12, n: 1 }, probes: 1, pooledVersions: [1] },
    ]);
    expect(report.uncertaintyCheck.state).toBe('too-early');
    expect(report.stop.state).toBe('too-early');
  });

  it('scores an annotation made before its prediction existed when the view is asked for', async () => {
    t.project.store.modelVersions.insert({ version: 2, mode: 'finetune', jobId: null, metrics: null, createdAt: 'x' });
    const res = await t.app.request('/api/annotations', {
      method: 'POST',
      headers: t.auth,
      body: JSON.stringify({
        slideId,
        region: { x: 0, y: 0, width: 4, height: 2 },
        mask: { encoding: 'rle', counts: [2, 2, 2, 2] },
        clientId: 'learning-late-01',
        modelVersion: 2,
      }),
    });
    expect(res.status).toBe(201);
    expect((await learning()).annotations[0]).toMatchObject({ pending: true, preAnnotation: null });
    await writePrediction(t.project, { slideId, modelVersion: 2, col: 0, row: 0, size: 512 }, () => 0.1);
    // Version 2 predicts background: tp 0, fn 4 → Dice 0, recall 0.
    expect((await learning()).annotations[0]).toMatchObject({
      pending: false,
      preAnnotation: { dice: 0, recall: 0 },
    });
  });

  it('404s for an unknown slide and 400s without a slideId', async () => {
    const missing = await t.app.request('/api/learning?slideId=sl_nope', { headers: t.auth });
    expect(missing.status).toBe(404);
    expect(ErrorBody.parse(await missing.json()).error.code).toBe('SLIDE_NOT_FOUND');
    expect((await t.app.request('/api/learning', { headers: t.auth })).status).toBe(400);
  });
});
