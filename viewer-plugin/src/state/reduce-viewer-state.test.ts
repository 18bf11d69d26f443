import { PROTOCOL_VERSION } from '@activeseg/protocol';
import { describe, expect, it } from 'vitest';
import { describeError } from '../client/describe-error.js';
import { slideInfo } from '../testing/slide-info.js';
import { reduceViewerState } from './reduce-viewer-state.js';
import { initialViewerState, type ViewerAction, type ViewerState } from './viewer-state.js';

const slide = (id: string) => slideInfo(id);
const run = (actions: ViewerAction[], from: ViewerState = initialViewerState()): ViewerState =>
  actions.reduce(reduceViewerState, from);
const suggestion = (col: number, score: number) => ({ patch: { col, row: 0, x: col * 512, y: 0, size: 512 }, score });

describe('reduceViewerState', () => {
  it("changes section within the volume's sections, and starts every slide at section 0", () => {
    const volume = slideInfo('sl_v', { sections: 8 });
    const opened = run([{ type: 'slide.opened', slide: volume }]);
    expect(opened.section).toBe(0);
    expect(run([{ type: 'section.changed', z: 5 }], opened).section).toBe(5);
    expect(run([{ type: 'section.changed', z: 99 }], opened).section).toBe(7);
    expect(run([{ type: 'section.changed', z: -1 }], opened)).toBe(opened);
    const onFive = run([{ type: 'section.changed', z: 5 }], opened);
    expect(run([{ type: 'slide.opened', slide: slide('sl_2') }], onFive).section).toBe(0);
    // A 2D slide has one section.
    const flat = run([{ type: 'slide.opened', slide: slide('sl_2') }]);
    expect(run([{ type: 'section.changed', z: 1 }], flat)).toBe(flat);
  });

  it('follows the pixel under the pointer, keeps the state while it stays on one pixel, and forgets it with the slide', () => {
    const opened = run([{ type: 'slide.opened', slide: slide('sl_1') }]);
    expect(opened.cursor).toBeUndefined();
    const over = run([{ type: 'cursor.moved', pixel: { x: 12, y: 34 } }], opened);
    expect(over.cursor).toEqual({ x: 12, y: 34 });
    expect(reduceViewerState(over, { type: 'cursor.moved', pixel: { x: 12, y: 34 } })).toBe(over);
    expect(run([{ type: 'cursor.moved', pixel: { x: 13, y: 34 } }], over).cursor).toEqual({ x: 13, y: 34 });
    const off = run([{ type: 'cursor.moved', pixel: undefined }], over);
    expect(off.cursor).toBeUndefined();
    expect(reduceViewerState(off, { type: 'cursor.moved', pixel: undefined })).toBe(off);
    // A pixel of the previous slide means nothing on the next one.
    expect(run([{ type: 'slide.opened', slide: slide('sl_2') }], over).cursor).toBeUndefined();
    expect(run([{ type: 'slide.closed' }], over).cursor).toBeUndefined();
  });

  it('starts with the slide visible, prediction hidden, uncertainty shown at 0.85 and annotations at 0.6', () => {
    const s = initialViewerState();
    expect(s.layers).toEqual({
      image: { opacity: 1, visible: true, modelVersion: undefined },
      prediction: { opacity: 0.5, visible: false, modelVersion: undefined },
      uncertainty: { opacity: 0.85, visible: true, modelVersion: undefined },
      annotations: { opacity: 0.6, visible: true, modelVersion: undefined },
    });
    expect(s.connection.state).toBe('connecting');
    expect(s.selected).toBe(-1);
  });

  it("opening a slide forgets the previous slide's overlays and error, then takes its suggestions", () => {
    const s = run([
      { type: 'slide.opened', slide: slide('sl_1') },
      { type: 'layer.shown', layer: 'uncertainty', modelVersion: 1 },
      { type: 'error', message: 'boom' },
      { type: 'slide.opened', slide: slide('sl_2') },
    ]);
    expect(s.slide?.id).toBe('sl_2');
    expect(s.layers.uncertainty.modelVersion).toBeUndefined();
    expect(s.lastError).toBe('');
    const loaded = run(
      [
        { type: 'suggestion.selected', index: 0 },
        {
          type: 'suggestions.loaded',
          list: { slideId: 'sl_2', modelVersion: 3, suggestions: [suggestion(1, 0.9), suggestion(2, 0.5)] },
        },
        { type: 'suggestion.selected', index: 1 },
      ],
      s,
    );
    expect(loaded).toMatchObject({ suggestionsVersion: 3, selected: 1 });
    expect(loaded.suggestions.map((x) => x.patch.col)).toEqual([1, 2]);
  });

  it('drops suggestions that arrive for a slide that is no longer open', () => {
    const s = run([{ type: 'slide.opened', slide: slide('sl_2') }]);
    expect(
      reduceViewerState(s, {
        type: 'suggestions.loaded',
        list: { slideId: 'sl_1', modelVersion: 1, suggestions: [suggestion(0, 1)] },
      }),
    ).toBe(s);
  });

  it('selects only existing suggestions; a new list clears the selection', () => {
    const s = run([
      { type: 'slide.opened', slide: slide('sl_1') },
      { type: 'suggestions.loaded', list: { slideId: 'sl_1', modelVersion: 1, suggestions: [suggestion(0, 1)] } },
    ]);
    expect(reduceViewerState(s, { type: 'suggestion.selected', index: 1 })).toBe(s);
    const picked = reduceViewerState(s, { type: 'suggestion.selected', index: 0 });
    expect(picked.selected).toBe(0);
    expect(
      reduceViewerState(picked, {
        type: 'suggestions.loaded',
        list: { slideId: 'sl_1', modelVersion: 2, suggestions: [] },
      }).selected,
    ).toBe(-1);
  });

  it('closing the slide for a local preview empties suggestions and overlays', () => {
    const s = run([
      { type: 'slide.opened', slide: slide('sl_1') },
      { type: 'suggestions.loaded', list: { slideId: 'sl_1', modelVersion: 1, suggestions: [suggestion(0, 1)] } },
      { type: 'layer.shown', layer: 'prediction', modelVersion: 1 },
      { type: 'slide.closed' },
    ]);
    expect(s).toMatchObject({ slide: undefined, suggestions: [], selected: -1 });
    expect(s.layers.prediction.modelVersion).toBeUndefined();
  });

  it('clamps opacity and keeps it while a layer is hidden', () => {
    const s = run([
      { type: 'layer.opacity', layer: 'prediction', opacity: 1.7 },
      { type: 'layer.visible', layer: 'prediction', visible: true },
      { type: 'layer.opacity', layer: 'uncertainty', opacity: -1 },
      { type: 'layer.visible', layer: 'uncertainty', visible: false },
    ]);
    expect(s.layers.prediction).toMatchObject({ opacity: 1, visible: true });
    expect(s.layers.uncertainty).toMatchObject({ opacity: 0, visible: false });
  });

  it('an HTTP job answer never takes a job back to an earlier state than its WS frames did', () => {
    const s = run([
      {
        type: 'server',
        message: {
          type: 'job.state',
          seq: 1,
          jobId: 'jb_1',
          kind: 'infer',
          state: 'failed',
          error: { code: 'INTERNAL', message: 'x' },
        },
      },
      { type: 'job.info', info: { id: 'jb_1', kind: 'infer', state: 'queued', progress: { done: 0, total: 5 } } },
    ]);
    expect(s.jobs).toHaveLength(1);
    expect(s.jobs[0]?.state).toBe('failed');
    const fresh = run([
      { type: 'job.info', info: { id: 'jb_2', kind: 'train', state: 'queued', progress: { done: 0, total: 4 } } },
    ]);
    expect(fresh.jobs).toEqual([{ jobId: 'jb_2', kind: 'train', state: 'queued', done: 0, total: 4 }]);
  });

  it('connection: open after welcome, then a refused token fails for good with words on how to get back in', () => {
    const open = run([
      { type: 'connection', change: { state: 'open' } },
      {
        type: 'server',
        message: {
          type: 'welcome',
          seq: 0,
          protocolVersion: PROTOCOL_VERSION,
          daemonId: 'd1',
          backend: 'cpu',
          modelVersion: 1,
        },
      },
      { type: 'connection', change: { state: 'reconnecting', attempt: 0, delayMs: 500, reason: 'closed (1006)' } },
    ]);
    expect(open.connection).toEqual({ state: 'reconnecting' });
    // Retrying is not an error worth showing.
    expect(open.lastError).toBe('');
    const refused = reduceViewerState(open, {
      type: 'connection',
      change: { state: 'failed', code: 'UNAUTHORIZED', reason: 'token refused' },
    });
    expect(refused.connection).toEqual({ state: 'failed', code: 'UNAUTHORIZED' });
    expect(refused.lastError).toBe(describeError('UNAUTHORIZED'));
    expect(refused.lastError).toMatch(/access token was refused by the daemon/);
    expect(refused.lastError).toMatch(/activeseg serve/);
    const mismatch = reduceViewerState(open, {
      type: 'connection',
      change: { state: 'failed', code: 'PROTOCOL_MISMATCH', reason: 'protocol mismatch' },
    });
    expect(mismatch.lastError).toBe('The viewer and the daemon are different versions; reload the page');
  });

  it('keeps the slide and mode a job was started with, for its title', () => {
    const info = { id: 'jb_1', kind: 'infer', state: 'queued', progress: { done: 0, total: 4 } } as const;
    const s = run([
      { type: 'job.info', info, started: { slideId: 'sl_1' } },
      { type: 'job.info', info: { ...info, state: 'running', progress: { done: 1, total: 4 } } },
    ]);
    expect(s.jobs[0]).toMatchObject({ jobId: 'jb_1', state: 'running', done: 1, slideId: 'sl_1' });
  });

  it('toggles the shortcut help, and keeps the state object when the zoom did not change', () => {
    expect(run([{ type: 'help.toggled' }]).helpOpen).toBe(true);
    expect(run([{ type: 'help.toggled' }, { type: 'help.toggled', open: false }]).helpOpen).toBe(false);
    const zoomed = run([{ type: 'view.zoomed', zoom: 0.5 }]);
    expect(zoomed.zoom).toBe(0.5);
    expect(reduceViewerState(zoomed, { type: 'view.zoomed', zoom: 0.5 })).toBe(zoomed);
  });

  it('mirrors the annotation tool, the start mode and the annotation notice', () => {
    const s = run([
      {
        type: 'tool.changed',
        tool: { tool: 'polygon', radius: 20, active: true, canUndo: true, canRedo: false, panHeld: false },
      },
      { type: 'start-from.changed', startFrom: 'prediction' },
      { type: 'annotation.status', notice: { tone: 'ok', text: 'Stored ✓' } },
    ]);
    expect(s.tool).toEqual({
      tool: 'polygon',
      radius: 20,
      active: true,
      canUndo: true,
      canRedo: false,
      panHeld: false,
    });
    expect(s.startFrom).toBe('prediction');
    expect(s.annotationStatus).toEqual({ tone: 'ok', text: 'Stored ✓' });
  });

  it('keeps the open slide’s annotations, drops a list for another slide, and forgets them and the edit on a new slide', () => {
    const open = reduceViewerState(initialViewerState(), { type: 'slide.opened', slide: slideInfo('sl_1') });
    const summary = {
      id: 'an_1',
      slideId: 'sl_1',
      region: { x: 0, y: 0, width: 512, height: 512 },
      createdAt: 'now',
      areaPx: 10,
      version: 1,
      patches: [],
    };
    const listed = reduceViewerState(open, {
      type: 'annotations.loaded',
      list: { slideId: 'sl_1', annotations: [summary] },
    });
    expect(listed.annotations).toEqual([summary]);
    const stale: ViewerAction = { type: 'annotations.loaded', list: { slideId: 'sl_2', annotations: [] } };
    expect(reduceViewerState(listed, stale)).toBe(listed);
    const editing = reduceViewerState(listed, { type: 'annotation.editing', annotationId: 'an_1' });
    expect(editing.editing).toBe('an_1');
    expect(reduceViewerState(editing, { type: 'annotation.editing', annotationId: 'an_1' })).toBe(editing);
    const other = reduceViewerState(editing, { type: 'slide.opened', slide: slideInfo('sl_2') });
    expect([other.annotations, other.editing, other.holds]).toEqual([[], undefined, []]);
  });
});

describe('reduceViewerState: uploads', () => {
  it('follows an upload from its first progress to its end, and keeps the state object when none was running', () => {
    const name = 'big.tif';
    const sending = run([
      { type: 'upload.progress', upload: { name, sentBytes: 0, totalBytes: 200, phase: 'sending' } },
      { type: 'upload.progress', upload: { name, sentBytes: 150, totalBytes: 200, phase: 'sending' } },
    ]);
    expect(sending.upload).toEqual({ name, sentBytes: 150, totalBytes: 200, phase: 'sending' });
    const ended = run([{ type: 'upload.ended' }], sending);
    expect(ended.upload).toBeUndefined();
    expect(reduceViewerState(ended, { type: 'upload.ended' })).toBe(ended);
  });
});

describe('what changed layer', () => {
  it('is shown for a pair of versions and switched off when another slide opens', () => {
    const shown = reduceViewerState(initialViewerState(), { type: 'changes.shown', changes: { from: 2, to: 1 } });
    expect(shown.changes).toEqual({ from: 2, to: 1 });
    const other = reduceViewerState(shown, { type: 'slide.opened', slide: slideInfo('sl_b') });
    expect(other.changes).toBeUndefined();
  });
});
