import { AnnotationAck, ErrorBody } from '@activeseg/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addDemoSlide, createTempProject, type TempProject } from '../testing/temp-project.js';
import { writePrediction } from '../testing/write-prediction.js';

let t: TempProject;
let slideId: string;
beforeEach(async () => {
  t = createTempProject();
  slideId = (await addDemoSlide(t)).id;
  t.project.store.modelVersions.insert({ version: 1, mode: 'import', jobId: null, metrics: null, createdAt: 'x' });
});
afterEach(() => t.dispose());

const post = (body: Record<string, unknown>) =>
  t.app.request('/api/annotations', {
    method: 'POST',
    headers: t.auth,
    body: JSON.stringify({ slideId, ...body }),
  });

/** Version `v`'s prediction of cell (col,row): myelin (P = 0.9) on the left half of the cell, else P = 0.1. */
const writeHalf = (v: number, col: number, row: number) =>
  writePrediction(t.project, { slideId, modelVersion: v, col, row, size: 512 }, (x) => (x < 256 ? 0.9 : 0.1));

// A 4×2 region across the cell's vertical midline (x 254..257): the prediction is myelin at x 254, 255 only.
// Label: myelin at x 255, 256 on both rows → tp 2 (x 255), fp 2 (x 254), fn 2 (x 256), tn 2 (x 257).
const region = { x: 254, y: 10, width: 4, height: 2 };
const mask = { encoding: 'rle', counts: [1, 2, 2, 2, 1] };

describe('pre-annotation score', () => {
  it('stores cost and source, and scores the seen version on the annotated pixels after the ack', async () => {
    await writeHalf(1, 0, 0);
    const res = await post({
      region,
      mask,
      clientId: 'pre-score-0001',
      modelVersion: 1,
      activeSeconds: 42.5,
      strokes: 3,
      source: 'uncertainty',
    });
    expect(res.status).toBe(201);
    const ack = AnnotationAck.parse(await res.json());
    await t.project.preScorer.run(slideId);
    expect(t.project.store.learning.get(ack.id)).toMatchObject({
      modelVersion: 1,
      activeSeconds: 42.5,
      strokes: 3,
      source: 'uncertainty',
      // x 255..256 on rows 10..11: one 2×2 block.
      objects: 1,
      counts: { tp: 2, fp: 2, fn: 2, tn: 2 },
    });
  });

  it('acknowledges an annotation whose prediction does not exist yet and scores it when the maps appear', async () => {
    const res = await post({ region, mask, clientId: 'pre-score-0002', modelVersion: 1 });
    expect(res.status).toBe(201);
    const ack = AnnotationAck.parse(await res.json());
    expect(await t.project.preScorer.run(slideId)).toBe(0);
    expect(t.project.store.learning.get(ack.id)?.counts).toBeNull();
    expect(t.project.store.learning.listPending(slideId).map((r) => r.annotationId)).toEqual([ack.id]);

    await writeHalf(1, 0, 0);
    expect(await t.project.preScorer.run(slideId)).toBe(1);
    expect(t.project.store.learning.get(ack.id)?.counts).toEqual({ tp: 2, fp: 2, fn: 2, tn: 2 });
    expect(t.project.store.learning.listPending(slideId)).toEqual([]);
  });

  it('scores a cell the finished infer job skipped (blank) as predicted background, but waits while a job is active', async () => {
    // Version 1 scored cell (0,0) only; the region lies in cell (1,0), which it skipped.
    await writeHalf(1, 0, 0);
    t.project.store.jobs.insert({
      id: 'jb_active',
      kind: 'infer',
      params: { kind: 'infer', slideId },
      state: 'running',
      progressDone: 0,
      progressTotal: 1,
      errorCode: null,
      errorMessage: null,
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
    });
    const res = await post({ region: { ...region, x: 600 }, mask, clientId: 'pre-score-blank', modelVersion: 1 });
    const ack = AnnotationAck.parse(await res.json());
    expect(await t.project.preScorer.run(slideId)).toBe(0);
    t.project.store.jobs.setState('jb_active', 'done', new Date().toISOString());
    expect(await t.project.preScorer.run(slideId)).toBe(1);
    // Label myelin on 4 of 8 pixels, prediction none: fn 4, tn 4.
    expect(t.project.store.learning.get(ack.id)?.counts).toEqual({ tp: 0, fp: 0, fn: 4, tn: 4 });
  });

  it('counts the objects of the label as 8-connected components', async () => {
    // 3×3 region 1 0 1 / 0 0 0 / 1 0 1: four corners, no two touching even diagonally → 4 objects.
    const res = await post({
      region: { x: 0, y: 0, width: 3, height: 3 },
      mask: { encoding: 'rle', counts: [0, 1, 1, 1, 3, 1, 1, 1] },
      clientId: 'pre-score-0003',
    });
    const ack = AnnotationAck.parse(await res.json());
    expect(t.project.store.learning.get(ack.id)).toMatchObject({ objects: 4, source: 'user', modelVersion: null });
  });

  it('refuses an unknown or future modelVersion with a 422 naming the field, and stores nothing', async () => {
    for (const modelVersion of [0, 7]) {
      const res = await post({ region, mask, clientId: `pre-score-bad-${modelVersion}`, modelVersion });
      expect(res.status).toBe(422);
      const { error } = ErrorBody.parse(await res.json());
      expect(error.code).toBe('ANNOTATION_MODEL_VERSION_UNKNOWN');
      expect(error.field).toBe('modelVersion');
      expect(error.message).toMatch(new RegExp(`modelVersion ${modelVersion} .*newest: 1`));
    }
    expect(t.project.store.annotations.count()).toBe(0);
  });

  it('refuses activeSeconds and strokes out of bounds with BAD_REQUEST', async () => {
    for (const extra of [{ activeSeconds: -1 }, { activeSeconds: 1e9 }, { strokes: 1.5 }, { source: 'magic' }]) {
      const res = await post({ region, mask, clientId: 'pre-score-bounds', ...extra });
      expect(res.status).toBe(400);
      expect(ErrorBody.parse(await res.json()).error.code).toBe('BAD_REQUEST');
    }
  });
});
