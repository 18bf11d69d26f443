import { ErrorBody, JobInfo, type ServerMessage, SuggestionList } from '@activeseg/protocol';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelEngine } from '../../engine/model-engine-api.js';
import { createFakeEngine } from '../../testing/fake-engine.js';
import { addDemoSlide, createTempProject, type TempProject } from '../../testing/temp-project.js';

let t: TempProject;
afterEach(() => t.dispose());

async function setup(engine: ModelEngine | null) {
  t = createTempProject({ engine, config: { blankPatchStd: 1 } });
  const sent: ServerMessage[] = [];
  t.project.hub.join({
    readyState: 1,
    bufferedAmount: 0,
    send: (d) => sent.push(JSON.parse(d) as ServerMessage),
    terminate() {},
  });
  return { sent, slide: await addDemoSlide(t) };
}

const startJob = async (body: unknown) => {
  const res = await t.app.request('/api/jobs', { method: 'POST', headers: t.auth, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as unknown };
};

describe('jobs routes', () => {
  it('503 MODEL_NOT_READY without an engine; 400 on a bad kind', async () => {
    const { slide } = await setup(null);
    const r = await startJob({ kind: 'infer', slideId: slide.id });
    expect(r.status).toBe(503);
    expect(ErrorBody.parse(r.body).error.code).toBe('MODEL_NOT_READY');
    expect((await startJob({ kind: 'export' })).status).toBe(400);
  });

  it('infer scores the 512 grid (4 × 3 cells), feeds suggestions and overlay tiles, broadcasts progress and tiles.updated', async () => {
    const { sent, slide } = await setup(createFakeEngine());
    const r = await startJob({ kind: 'infer', slideId: slide.id, acquisition: 'std' });
    expect(r.status).toBe(202);
    const job = JobInfo.parse(r.body);
    await t.project.jobs.idle();
    const done = JobInfo.parse(await (await t.app.request(`/api/jobs/${job.id}`, { headers: t.auth })).json());
    expect(done).toMatchObject({ state: 'done', progress: { done: 12, total: 12 } });

    // The ranking alone: random probes (suggestions.test.ts) would sit anywhere in the list.
    await t.app.request('/api/settings', { method: 'PUT', headers: t.auth, body: JSON.stringify({ probeRate: 0 }) });
    const sugg = SuggestionList.parse(
      await (await t.app.request(`/api/suggestions?slideId=${slide.id}&k=3`, { headers: t.auth })).json(),
    );
    expect(sugg.modelVersion).toBe(1);
    expect(sugg.suggestions).toHaveLength(3);
    expect(sugg.suggestions[0]!.score).toBeGreaterThanOrEqual(sugg.suggestions[2]!.score);

    const types = sent.map((m) => m.type);
    expect(types).toContain('tiles.updated');
    expect(types.at(-2)).toBe('suggestions.updated');
    expect(sent.at(-1)).toMatchObject({ type: 'job.state', state: 'done', modelVersion: 1 });
    const last = sent.filter((m) => m.type === 'job.progress').at(-1);
    expect(last).toMatchObject({ done: 12, total: 12 });

    for (const layer of ['uncertainty', 'prediction']) {
      const tile = await t.app.request(`/api/slides/${slide.id}/tiles/${layer}/11/0_0.png`, { headers: t.auth });
      expect(tile.status).toBe(200);
      const { data, info } = await sharp(Buffer.from(await tile.arrayBuffer()))
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(info).toMatchObject({ width: 256, height: 256, channels: 4 });
      expect(data.some((v, i) => i % 4 === 3 && v > 0)).toBe(true);
      const overview = await t.app.request(`/api/slides/${slide.id}/tiles/${layer}/3/0_0.png`, { headers: t.auth });
      expect(overview.status).toBe(200);
    }

    // Annotated cells drop out of suggestions.
    const top = sugg.suggestions[0]!.patch;
    await t.app.request('/api/annotations', {
      method: 'POST',
      headers: t.auth,
      body: JSON.stringify({
        slideId: slide.id,
        region: { x: top.x, y: top.y, width: 2, height: 2 },
        mask: { encoding: 'rle', counts: [4] },
        clientId: 'annot-top-0001',
      }),
    });
    const after = SuggestionList.parse(
      await (await t.app.request(`/api/suggestions?slideId=${slide.id}&k=12`, { headers: t.auth })).json(),
    );
    expect(after.suggestions.map((s) => s.patch)).not.toContainEqual(top);
  });

  it('train needs annotations, then trains on weighted patches and records the model version', async () => {
    const engine = createFakeEngine();
    const { sent, slide } = await setup(engine);
    const none = JobInfo.parse((await startJob({ kind: 'train', mode: 'finetune' })).body);
    await t.project.jobs.idle();
    expect(t.project.jobs.get(none.id)).toMatchObject({ state: 'failed', error: { code: 'NO_TRAINING_DATA' } });

    await t.app.request('/api/annotations', {
      method: 'POST',
      headers: t.auth,
      body: JSON.stringify({
        slideId: slide.id,
        region: { x: 0, y: 0, width: 2, height: 2 },
        mask: { encoding: 'rle', counts: [1, 3] },
        clientId: 'annot-train-0001',
      }),
    });
    const job = JobInfo.parse((await startJob({ kind: 'train', mode: 'scratch', epochs: 3 })).body);
    await t.project.jobs.idle();
    expect(t.project.jobs.get(job.id).state).toBe('done');
    expect(t.project.store.modelVersions.latest()).toMatchObject({ version: 2, mode: 'scratch', jobId: job.id });
    const patch = await engine.trained[0]!.loadPatch(engine.trained[0]!.patches[0]!, new AbortController().signal);
    expect(patch.weight.reduce((a, b) => a + b, 0)).toBe(4);
    expect([...patch.labels.subarray(0, 2), ...patch.labels.subarray(512, 514)]).toEqual([0, 1, 1, 1]);
    const progress = sent.filter((m) => m.type === 'job.progress' && m.jobId === job.id);
    expect(progress.at(-1)).toMatchObject({ done: 3, total: 3, detail: { epoch: 3, valDice: 0.5 } });
    // Every open page hears of the new version (Models panel, status bar) before the job is reported done.
    const added = sent.findIndex((m) => m.type === 'model.added');
    expect(sent[added]).toMatchObject({ type: 'model.added', modelVersion: 2 });
    expect(added).toBeLessThan(
      sent.findIndex((m) => m.type === 'job.state' && m.jobId === job.id && m.state === 'done'),
    );
  });

  it('cancel stops a running inference', async () => {
    const { slide } = await setup(createFakeEngine({ delayMs: 20 }));
    const job = JobInfo.parse((await startJob({ kind: 'infer', slideId: slide.id })).body);
    await new Promise((r) => setTimeout(r, 30));
    const res = await t.app.request(`/api/jobs/${job.id}/cancel`, { method: 'POST', headers: t.auth });
    expect(res.status).toBe(200);
    await t.project.jobs.idle();
    const final = t.project.jobs.get(job.id);
    expect(final).toMatchObject({ state: 'cancelled', error: { code: 'JOB_CANCELLED' } });
    expect(final.progress.done).toBeLessThan(12);
    const again = await t.app.request(`/api/jobs/${job.id}/cancel`, { method: 'POST', headers: t.auth });
    expect(ErrorBody.parse(await again.json()).error.code).toBe('JOB_NOT_CANCELLABLE');
  });
});
