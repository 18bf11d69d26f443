import { PROTOCOL_VERSION, ServerMessage, type SlideInfo } from '@activeseg/protocol';
import { describe, expect, it } from 'vitest';
import { slideInfo } from '../testing/slide-info.js';
import { applyServerMessage, serverMessageCommands } from './apply-server-message.js';
import { initialViewerState, type ViewerState } from './viewer-state.js';

/** Every fixture goes through the wire schema, so a frame the daemon could not send fails here first. */
const msg = (frame: Record<string, unknown>): ServerMessage => ServerMessage.parse(frame);
const fold = (state: ViewerState, frames: Record<string, unknown>[]): ViewerState =>
  frames.reduce((s, f) => applyServerMessage(s, msg(f)), state);

const slide: SlideInfo = slideInfo('sl_1', { name: 'a.png' });
const withSlide: ViewerState = { ...initialViewerState(), slide };
const tiles = (seq: number, modelVersion: number, extra: Record<string, unknown> = {}) => ({
  type: 'tiles.updated',
  seq,
  slideId: 'sl_1',
  layer: 'uncertainty',
  modelVersion,
  tiles: [{ level: 10, col: 0, row: 0 }],
  ...extra,
});

describe('applyServerMessage', () => {
  it('slide.removed drops the slide from the list and says so when it was the open one', () => {
    const other: SlideInfo = { ...slide, id: 'sl_2', name: 'b.png' };
    const listed: ViewerState = { ...withSlide, slides: [slide, other] };
    const elsewhere = applyServerMessage(listed, msg({ type: 'slide.removed', seq: 4, slideId: 'sl_2' }));
    expect(elsewhere.slides.map((s) => s.id)).toEqual(['sl_1']);
    expect(elsewhere.lastError).toBe(listed.lastError);
    const open = applyServerMessage(listed, msg({ type: 'slide.removed', seq: 5, slideId: 'sl_1' }));
    expect(open.slides.map((s) => s.id)).toEqual(['sl_2']);
    expect(open.lastError).toMatch(/deleted/);
    // Unknown slide: nothing changes.
    expect(applyServerMessage(listed, msg({ type: 'slide.removed', seq: 6, slideId: 'sl_9' }))).toBe(listed);
  });

  it('takes backend and model version from welcome, also after a daemon restart', () => {
    const s = fold(initialViewerState(), [
      {
        type: 'welcome',
        seq: 0,
        protocolVersion: PROTOCOL_VERSION,
        daemonId: 'd1',
        backend: 'tfjs-node',
        modelVersion: 1,
      },
    ]);
    expect(s).toMatchObject({ backend: 'tfjs-node', modelVersion: 1 });
    const restarted = fold(s, [
      {
        type: 'welcome',
        seq: 3,
        protocolVersion: PROTOCOL_VERSION,
        daemonId: 'd2',
        backend: 'onnx-cpu',
        modelVersion: 4,
      },
    ]);
    expect(restarted).toMatchObject({ backend: 'onnx-cpu', modelVersion: 4 });
  });

  it('folds training progress into one job line until job.state done, and takes the new model version', () => {
    const s = fold(withSlide, [
      { type: 'job.state', seq: 1, jobId: 'jb_t', kind: 'train', state: 'queued' },
      {
        type: 'job.progress',
        seq: 2,
        jobId: 'jb_t',
        kind: 'train',
        done: 1,
        total: 3,
        etaMs: 4000,
        detail: { epoch: 1, loss: 0.5 },
      },
      {
        type: 'job.progress',
        seq: 3,
        jobId: 'jb_t',
        kind: 'train',
        done: 2,
        total: 3,
        detail: { epoch: 2, loss: 0.25, valDice: 0.7 },
      },
    ]);
    expect(s.jobs).toEqual([
      {
        jobId: 'jb_t',
        kind: 'train',
        state: 'running',
        done: 2,
        total: 3,
        etaMs: undefined,
        epoch: 2,
        loss: 0.25,
        valDice: 0.7,
      },
    ]);
    const done = fold(s, [{ type: 'job.state', seq: 4, jobId: 'jb_t', kind: 'train', state: 'done', modelVersion: 2 }]);
    expect(done.jobs).toHaveLength(1);
    expect(done.jobs[0]).toMatchObject({ state: 'done', done: 2, total: 3, epoch: 2, loss: 0.25, error: undefined });
    expect(done.modelVersion).toBe(2);
  });

  it('keeps jobs in the order first heard of and words a failure from the error table', () => {
    const s = fold(withSlide, [
      { type: 'job.progress', seq: 1, jobId: 'jb_a', kind: 'infer', done: 1, total: 9 },
      {
        type: 'job.state',
        seq: 2,
        jobId: 'jb_b',
        kind: 'train',
        state: 'failed',
        error: { code: 'NO_TRAINING_DATA', message: 'no annotations' },
      },
      { type: 'job.progress', seq: 3, jobId: 'jb_a', kind: 'infer', done: 2, total: 9 },
    ]);
    expect(s.jobs.map((j) => j.jobId)).toEqual(['jb_a', 'jb_b']);
    expect(s.jobs[0]).toMatchObject({ done: 2, state: 'running' });
    expect(s.jobs[1]).toEqual({
      jobId: 'jb_b',
      kind: 'train',
      state: 'failed',
      done: 0,
      total: 0,
      error: 'Annotate at least one region before training: no annotations',
    });
    // A job.state without a model version leaves the current one alone.
    expect(s.modelVersion).toBeUndefined();
  });

  it('tiles.updated of the open slide moves the overlay to the newer model version only', () => {
    const v2 = fold(withSlide, [tiles(1, 2)]);
    expect(v2.layers.uncertainty.modelVersion).toBe(2);
    expect(v2.layers.prediction.modelVersion).toBeUndefined();
    // A late frame of an older inference changes nothing (same object: nobody re-renders).
    expect(applyServerMessage(v2, msg(tiles(2, 1)))).toBe(v2);
    expect(
      fold(v2, [tiles(3, 3, { layer: 'prediction', tiles: undefined, bbox: { x: 0, y: 0, width: 5, height: 5 } })])
        .layers,
    ).toMatchObject({ prediction: { modelVersion: 3 }, uncertainty: { modelVersion: 2 } });
  });

  it('ignores tiles.updated for another slide and for the image layer', () => {
    expect(applyServerMessage(withSlide, msg(tiles(1, 2, { slideId: 'sl_other' })))).toBe(withSlide);
    expect(applyServerMessage(withSlide, msg(tiles(1, 2, { layer: 'image' })))).toBe(withSlide);
    expect(applyServerMessage(initialViewerState(), msg(tiles(1, 2))).layers.uncertainty.modelVersion).toBeUndefined();
  });

  it('shows an error frame in words, with the daemon detail', () => {
    const s = fold(withSlide, [{ type: 'error', seq: 0, code: 'BAD_MESSAGE', message: 'slideIds: too many' }]);
    expect(s.lastError).toBe('The daemon could not understand a message from the viewer: slideIds: too many');
  });

  it('leaves the state alone on resync and suggestions.updated (they only ask for refetches)', () => {
    expect(applyServerMessage(withSlide, msg({ type: 'resync', seq: 9 }))).toBe(withSlide);
    expect(
      applyServerMessage(withSlide, msg({ type: 'suggestions.updated', seq: 9, slideId: 'sl_1', modelVersion: 2 })),
    ).toBe(withSlide);
  });
});

describe('serverMessageCommands', () => {
  const painting: ViewerState = { ...withSlide, tool: { ...withSlide.tool, active: true } };

  it('refreshes overlay tiles of the open slide', () => {
    const m = msg(tiles(1, 2));
    expect(serverMessageCommands(withSlide, m)).toEqual([{ type: 'layer.update', message: m }]);
    expect(serverMessageCommands(withSlide, msg(tiles(1, 2, { slideId: 'sl_other' })))).toEqual([]);
    expect(serverMessageCommands(withSlide, msg(tiles(1, 2, { layer: 'image' })))).toEqual([]);
  });

  it("refreshes a volume's overlay tiles only for the section on screen", () => {
    const onSection3: ViewerState = { ...withSlide, section: 3 };
    const m3 = msg(tiles(1, 2, { z: 3 }));
    expect(serverMessageCommands(onSection3, m3)).toEqual([{ type: 'layer.update', message: m3 }]);
    expect(serverMessageCommands(onSection3, msg(tiles(1, 2)))).toEqual([]);
    expect(serverMessageCommands(withSlide, m3)).toEqual([]);
  });

  it('reloads suggestions of the open slide, but not while someone paints', () => {
    const updated = msg({ type: 'suggestions.updated', seq: 4, slideId: 'sl_1', modelVersion: 2 });
    expect(serverMessageCommands(withSlide, updated)).toEqual([{ type: 'suggestions.reload', slideId: 'sl_1' }]);
    expect(serverMessageCommands(painting, updated)).toEqual([]);
    expect(serverMessageCommands(initialViewerState(), updated)).toEqual([]);
  });

  it('reloads the slide list and reopens the slide on resync, and does nothing for the other frames', () => {
    expect(serverMessageCommands(withSlide, msg({ type: 'resync', seq: 7 }))).toEqual([
      { type: 'slides.reload' },
      { type: 'models.reload' },
      { type: 'slide.reopen', slideId: 'sl_1' },
    ]);
    expect(serverMessageCommands(initialViewerState(), msg({ type: 'resync', seq: 7 }))).toEqual([
      { type: 'slides.reload' },
      { type: 'models.reload' },
    ]);
    expect(
      serverMessageCommands(
        withSlide,
        msg({ type: 'job.progress', seq: 1, jobId: 'jb_a', kind: 'infer', done: 1, total: 2 }),
      ),
    ).toEqual([]);
  });

  it('relists the models when a training ends or another version becomes current, and follows it on the open slide', () => {
    const current = msg({ type: 'model.current', seq: 8, modelVersion: 1, previous: 2 });
    expect(serverMessageCommands(withSlide, current)).toEqual([
      { type: 'models.reload' },
      { type: 'overlays.follow', slideId: 'sl_1' },
    ]);
    expect(serverMessageCommands(initialViewerState(), current)).toEqual([{ type: 'models.reload' }]);
    const trained = msg({ type: 'job.state', seq: 9, jobId: 'jb_t', kind: 'train', state: 'done', modelVersion: 3 });
    expect(serverMessageCommands(withSlide, trained)).toEqual([{ type: 'models.reload' }]);
    const inferred = msg({ type: 'job.state', seq: 10, jobId: 'jb_i', kind: 'infer', state: 'done' });
    expect(serverMessageCommands(withSlide, inferred)).toEqual([]);
  });
});

describe('model versions in the state', () => {
  it('a kept-aside training leaves the current version alone and keeps its warning; model.current moves it', () => {
    const warning = 'v3 scored Dice 0.250 …, below the current v2’s 0.763';
    const s = fold({ ...withSlide, modelVersion: 2 }, [
      {
        type: 'job.state',
        seq: 1,
        jobId: 'jb_t',
        kind: 'train',
        state: 'done',
        modelVersion: 3,
        promoted: false,
        warning,
      },
    ]);
    expect(s.modelVersion).toBe(2);
    expect(s.jobs[0]?.warning).toBe(warning);
    const promoted = fold(s, [
      { type: 'job.state', seq: 2, jobId: 'jb_u', kind: 'train', state: 'done', modelVersion: 4 },
    ]);
    expect(promoted.modelVersion).toBe(4);
    expect(fold(promoted, [{ type: 'model.current', seq: 3, modelVersion: 1, previous: 4 }]).modelVersion).toBe(1);
  });
});

describe('live updates from other pages', () => {
  const region = { x: 512, y: 0, width: 512, height: 512 };
  const holds = (list: { holder: string }[]) =>
    msg({ type: 'patch.holds', seq: 3, slideId: 'sl_1', holds: list.map((h) => ({ ...h, region, since: 'now' })) });

  it('slide.added lists the new slide once', () => {
    const other = slideInfo('sl_2', { name: 'b.png' });
    const once = applyServerMessage(withSlide, msg({ type: 'slide.added', seq: 1, slide: other }));
    expect(once.slides.map((s) => s.id)).toEqual(['sl_2']);
    expect(applyServerMessage(once, msg({ type: 'slide.added', seq: 2, slide: other }))).toBe(once);
  });

  it('model.added leaves the current version alone (a worse model is kept aside) and reloads the model list; model.current moves it', () => {
    const added = msg({ type: 'model.added', seq: 1, modelVersion: 3 });
    expect(applyServerMessage(withSlide, added)).toBe(withSlide);
    expect(serverMessageCommands(withSlide, added)).toEqual([{ type: 'models.reload' }]);
    const current = applyServerMessage(withSlide, msg({ type: 'model.current', seq: 2, modelVersion: 3, previous: 2 }));
    expect(current.modelVersion).toBe(3);
  });

  it('patch.holds keeps the other tabs’ holds of the open slide, not this tab’s own', () => {
    const mine: ViewerState = { ...withSlide, holderId: 'tab-mine-1' };
    const s = applyServerMessage(mine, holds([{ holder: 'tab-mine-1' }, { holder: 'tab-other' }]));
    expect(s.holds.map((h) => h.holder)).toEqual(['tab-other']);
    expect(applyServerMessage(s, holds([])).holds).toEqual([]);
    // After a reconnect the daemon sends only slides that have holds: a new welcome forgets the old ones.
    const welcome = { type: 'welcome', seq: 0, protocolVersion: 1, daemonId: 'd', backend: 'cpu', modelVersion: 0 };
    expect(applyServerMessage(s, msg(welcome)).holds).toEqual([]);
    const elsewhere = msg({ type: 'patch.holds', seq: 4, slideId: 'sl_9', holds: [] });
    expect(applyServerMessage(s, elsewhere)).toBe(s);
  });

  it('annotation.saved / deleted on the open slide reload its annotations, and its suggestions unless painting', () => {
    const saved = msg({ type: 'annotation.saved', seq: 5, slideId: 'sl_1', annotationId: 'an_1' });
    const deleted = msg({
      type: 'annotation.deleted',
      seq: 6,
      slideId: 'sl_1',
      annotationId: 'an_1',
      deletedVersions: ['an_1'],
    });
    for (const m of [saved, deleted]) {
      expect(serverMessageCommands(withSlide, m)).toEqual([
        { type: 'annotations.reload', slideId: 'sl_1' },
        { type: 'suggestions.reload', slideId: 'sl_1' },
      ]);
      const painting: ViewerState = { ...withSlide, tool: { ...withSlide.tool, active: true } };
      expect(serverMessageCommands(painting, m)).toEqual([{ type: 'annotations.reload', slideId: 'sl_1' }]);
      expect(serverMessageCommands(initialViewerState(), m)).toEqual([]);
    }
  });
});
