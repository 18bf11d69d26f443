import { AnnotationAck, JobInfo } from '@activeseg/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelEngine } from '../engine/model-engine-api.js';
import { addDemoSlide, createTempProject, type TempProject } from '../testing/temp-project.js';

/** An engine at version 1 that predicts myelin (P = 0.9) everywhere; this test never trains. */
const myelinEverywhere: ModelEngine = {
  backendName: 'fake',
  modelVersion: () => 1,
  async scorePatch(_patch, size) {
    return { score: 0.1, mean: new Float32Array(size * size).fill(0.9), std: new Float32Array(size * size) };
  },
  async train() {
    throw new Error('not used');
  },
};

let t: TempProject;
afterEach(() => t.dispose());

describe('pending pre-annotation scores', () => {
  it('are computed when the infer job writes the prediction, with nobody asking', async () => {
    t = createTempProject({ engine: myelinEverywhere });
    const slide = await addDemoSlide(t);
    // Version 1 is the engine's current one, accepted before it has scored anything.
    const res = await t.app.request('/api/annotations', {
      method: 'POST',
      headers: t.auth,
      body: JSON.stringify({
        slideId: slide.id,
        region: { x: 0, y: 0, width: 4, height: 2 },
        mask: { encoding: 'rle', counts: [2, 2, 2, 2] },
        clientId: 'pending-events-1',
        modelVersion: 1,
      }),
    });
    expect(res.status).toBe(201);
    const { id } = AnnotationAck.parse(await res.json());
    expect(t.project.store.learning.get(id)?.counts).toBeNull();

    const job = await t.app.request('/api/jobs', {
      method: 'POST',
      headers: t.auth,
      body: JSON.stringify({ kind: 'infer', slideId: slide.id, acquisition: 'uncertainty' }),
    });
    JobInfo.parse(await job.json());
    await t.project.jobs.idle();
    await expect
      .poll(() => t.project.store.learning.get(id)?.counts, { timeout: 10_000 })
      .toEqual({ tp: 4, fp: 4, fn: 0, tn: 0 });
  }, 120_000);
});
