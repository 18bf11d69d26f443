import { JobInfo, PROTOCOL_VERSION, type Region, type ServerMessage } from '@activeseg/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { DaemonConfig } from '../config.js';
import { createFakeEngine, type FakeEngine } from '../testing/fake-engine.js';
import { addDemoSlide, createTempProject, type TempProject } from '../testing/temp-project.js';
import { createSocketSession } from '../ws/socket.js';
import { createAutoInfer } from './auto-infer.js';
import { gridCells } from './infer-job.js';
import type { JobEvent } from './job-events.js';
import { createViewerFocus } from './viewer-focus.js';

let t: TempProject;
afterEach(() => t.dispose());

/** A project on the demo slide (1541 × 1096: a 4 × 3 grid of 512² cells) with one viewer connected over the hub. */
async function setup(engine: FakeEngine, config: Partial<DaemonConfig> = {}) {
  // blankPatchStd 0: every cell is scored, so the scoring order covers the whole grid.
  t = createTempProject({ engine, config: { blankPatchStd: 0, ...config } });
  const sent: ServerMessage[] = [];
  const socket = {
    readyState: 1,
    bufferedAmount: 0,
    send: (d: string) => sent.push(JSON.parse(d) as ServerMessage),
    terminate() {},
    close() {},
  };
  const session = createSocketSession(socket, {
    hub: t.project.hub,
    maxInboundFramesPerSecond: 100,
    backendName: () => engine.backendName,
    modelVersion: () => engine.modelVersion(),
    cancelJob: (jobId) => void t.project.jobs.cancel(jobId),
    focus: t.project.focus,
  });
  const frame = (msg: unknown) => session.onMessage(JSON.stringify(msg));
  frame({ type: 'hello', protocolVersion: PROTOCOL_VERSION });
  const slide = await addDemoSlide(t);
  return { sent, slide, frame, session };
}

async function annotateAndTrain(slideId: string): Promise<JobInfo> {
  await t.app.request('/api/annotations', {
    method: 'POST',
    headers: t.auth,
    body: JSON.stringify({
      slideId,
      region: { x: 0, y: 0, width: 2, height: 2 },
      mask: { encoding: 'rle', counts: [1, 3] },
      clientId: 'annot-loop-0001',
    }),
  });
  const res = await t.app.request('/api/jobs', {
    method: 'POST',
    headers: t.auth,
    body: JSON.stringify({ kind: 'train', mode: 'finetune', epochs: 2 }),
  });
  return JobInfo.parse(await res.json());
}

/**
 * The cells scored at `version`, in the order their results were written (rows are inserted in cell order, while
 * the reads and passes of two cells in flight may overlap in either order).
 */
function scoredCells(_engine: FakeEngine, slideId: string, version: number): string[] {
  return (
    t.project.store.db
      .prepare('SELECT col, row FROM scores WHERE slide_id = ? AND model_version = ? ORDER BY rowid')
      .all(slideId, version) as { col: number; row: number }[]
  ).map((c) => `${c.col}_${c.row}`);
}

const inferStates = (sent: ServerMessage[]) =>
  sent.flatMap((m) => (m.type === 'job.state' && m.kind === 'infer' ? [m] : []));

describe('the self-closing loop', () => {
  it('a finished training job scores the viewed slide with no click: the viewport cells first, then the rest', async () => {
    const engine = createFakeEngine();
    const { sent, slide, frame } = await setup(engine);
    frame({ type: 'slide.subscribe', slideIds: [slide.id] });
    // Cells (2,1), (3,1), (2,2) and (3,2): the lower right of the slide.
    frame({ type: 'slide.viewport', slideId: slide.id, region: { x: 1100, y: 600, width: 441, height: 496 } });

    const train = await annotateAndTrain(slide.id);
    await t.project.jobs.idle();

    expect(t.project.jobs.get(train.id).state).toBe('done');
    const infer = inferStates(sent);
    expect(infer.map((m) => m.state)).toEqual(['queued', 'running', 'done']);
    expect(infer.at(-1)?.modelVersion).toBe(2);
    expect(scoredCells(engine, slide.id, 2)).toEqual([
      ...['2_1', '3_1', '2_2', '3_2'],
      ...['0_0', '1_0', '2_0', '3_0', '0_1', '1_1', '0_2', '1_2'],
    ]);
    // The overlay moves to v2 by tile updates, the first of them covering the viewport; the list is told to refresh.
    const tiles = sent.flatMap((m) => (m.type === 'tiles.updated' && m.modelVersion === 2 ? [m] : []));
    expect(tiles.length).toBeGreaterThan(0);
    expect(sent).toContainEqual(
      expect.objectContaining({ type: 'suggestions.updated', slideId: slide.id, modelVersion: 2 }),
    );
    const suggestions = await t.app.request(`/api/suggestions?slideId=${slide.id}&k=3`, { headers: t.auth });
    expect(((await suggestions.json()) as { modelVersion: number }).modelVersion).toBe(2);
  });

  it('scores in grid order when no viewer has sent a viewport, on the slide a viewer subscribed to', async () => {
    const engine = createFakeEngine();
    const { slide, frame } = await setup(engine);
    frame({ type: 'slide.subscribe', slideIds: [slide.id] });
    await annotateAndTrain(slide.id);
    await t.project.jobs.idle();
    expect(scoredCells(engine, slide.id, 2)).toEqual(
      gridCells({ width: 1541, height: 1096 }, 512).map((c) => `${c.col}_${c.row}`),
    );
  });

  it('with autoInfer off, training ends and nothing is scored until someone asks', async () => {
    const engine = createFakeEngine();
    const { sent, slide, frame } = await setup(engine, { autoInfer: false });
    frame({ type: 'slide.subscribe', slideIds: [slide.id] });
    const train = await annotateAndTrain(slide.id);
    await t.project.jobs.idle();
    expect(t.project.jobs.get(train.id).state).toBe('done');
    expect(inferStates(sent)).toEqual([]);
    expect(engine.scored).toHaveLength(0);
    expect(t.project.store.scores.latestVersion(slide.id)).toBeUndefined();
  });

  it('the inference it starts can be cancelled like any other job', async () => {
    const engine = createFakeEngine({ delayMs: 20 });
    const { sent, slide, frame } = await setup(engine);
    frame({ type: 'slide.subscribe', slideIds: [slide.id] });
    await annotateAndTrain(slide.id);
    const deadline = Date.now() + 10_000;
    while (!inferStates(sent).some((m) => m.state === 'running') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const running = inferStates(sent).find((m) => m.state === 'running');
    expect(running).toBeDefined();
    await new Promise((r) => setTimeout(r, 30));
    frame({ type: 'job.cancel', jobId: running!.jobId });
    await t.project.jobs.idle();
    const final = t.project.jobs.get(running!.jobId);
    expect(final).toMatchObject({ state: 'cancelled', error: { code: 'JOB_CANCELLED' } });
    expect(final.progress.done).toBeLessThan(12);
  });
});

describe('createAutoInfer', () => {
  const trained: JobEvent = { type: 'job.state', jobId: 'jb_t', kind: 'train', state: 'done', modelVersion: 3 };
  const make = (slideIds: string[]) => {
    const started: string[] = [];
    const focus = createViewerFocus();
    const auto = createAutoInfer({
      enabled: true,
      focus,
      slideIds: () => slideIds,
      startJob: (r) => void (r.kind === 'infer' && started.push(r.slideId)),
      log: () => {},
    });
    return { started, focus, auto };
  };
  const region: Region = { x: 0, y: 0, width: 10, height: 10 };

  it('targets every subscribed slide, most recently focused first', () => {
    const { started, focus, auto } = make(['sl_a', 'sl_b', 'sl_c']);
    const viewer1 = {};
    const viewer2 = {};
    focus.subscribe(viewer1, ['sl_a']);
    focus.subscribe(viewer2, ['sl_b']);
    auto.onJobEvent(trained);
    expect(started).toEqual(['sl_b', 'sl_a']);
  });

  it('with no viewer connected, targets the slide viewed last, else the newest slide', () => {
    const nobody = make(['sl_a', 'sl_b']);
    nobody.auto.onJobEvent(trained);
    expect(nobody.started).toEqual(['sl_b']);

    const left = make(['sl_a', 'sl_b']);
    const viewer = {};
    left.focus.viewport(viewer, 'sl_a', region);
    left.focus.drop(viewer);
    left.auto.onJobEvent(trained);
    expect(left.started).toEqual(['sl_a']);
  });

  it('ignores anything but a training that ended done with a version made current, and deleted slides', () => {
    const { started, focus, auto } = make(['sl_a']);
    focus.subscribe({}, ['sl_gone']);
    auto.onJobEvent({ ...trained, state: 'failed' });
    auto.onJobEvent({ ...trained, kind: 'infer' });
    // Kept aside (scored worse than the current model): the overlays already show the current one.
    auto.onJobEvent({ ...trained, promoted: false });
    auto.onJobEvent({ type: 'job.state', jobId: 'jb_t', kind: 'train', state: 'done' });
    expect(started).toEqual([]);
    auto.onJobEvent(trained);
    expect(started).toEqual(['sl_a']);
  });
});
