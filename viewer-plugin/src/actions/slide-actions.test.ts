import { describe, expect, it } from 'vitest';
import { DaemonError, type HttpClient } from '../client/http-client.js';
import { createStore } from '../state/create-store.js';
import { reduceViewerState } from '../state/reduce-viewer-state.js';
import { initialViewerState } from '../state/viewer-state.js';
import { slideInfo } from '../testing/slide-info.js';
import type { ActionDeps } from './action-deps.js';
import { createSlideActions } from './slide-actions.js';

const slide = (id: string) => slideInfo(id);

/** Slide actions on a fake daemon that refuses a slide with annotations unless forced, and scripted answers. */
function setup(answers: boolean[], annotated: boolean) {
  const asked: string[] = [];
  const deletes: { slideId: string; force: boolean }[] = [];
  let slides = [slide('a'), slide('b')];
  let cleared = 0;
  const http = {
    async deleteSlide(slideId: string, opts: { force?: boolean } = {}) {
      deletes.push({ slideId, force: opts.force === true });
      if (annotated && !opts.force) {
        throw new DaemonError('the slide has 2 annotation(s)', { code: 'SLIDE_HAS_ANNOTATIONS', status: 409 });
      }
      slides = slides.filter((s) => s.id !== slideId);
      return { id: slideId, deletedAnnotations: annotated ? 2 : 0 };
    },
    listSlides: async () => ({ slides }),
  } as unknown as HttpClient;
  const store = createStore({
    initial: { ...initialViewerState(), slides, slide: slides[0] },
    reduce: reduceViewerState,
  });
  const deps = {
    http,
    store,
    slideView: { clear: () => cleared++ },
    tool: { end: () => {} },
    confirm: (message: string) => {
      asked.push(message);
      return answers.shift() ?? false;
    },
  } as unknown as Parameters<typeof createSlideActions>[0] & Pick<ActionDeps, 'confirm'>;
  return { actions: createSlideActions(deps), asked, deletes, store, cleared: () => cleared };
}

describe('deleting a slide from the viewer', () => {
  it('asks first and deletes nothing when the person declines', async () => {
    const t = setup([false], false);
    expect(await t.actions.deleteSlide('b')).toBe(false);
    expect(t.asked[0]).toMatch(/Delete the slide “b.png”/);
    expect(t.deletes).toEqual([]);
  });

  it('deletes an unannotated slide after one yes and refreshes the list', async () => {
    const t = setup([true], false);
    expect(await t.actions.deleteSlide('b')).toBe(true);
    expect(t.deletes).toEqual([{ slideId: 'b', force: false }]);
    expect(t.store.state.slides.map((s) => s.id)).toEqual(['a']);
    expect(t.cleared()).toBe(0);
  });

  it('asks a second time, naming the annotations, before forcing a slide that has them', async () => {
    const declined = setup([true, false], true);
    expect(await declined.actions.deleteSlide('a')).toBe(false);
    expect(declined.asked[1]).toMatch(/has annotations.*2 annotation\(s\).*cannot be undone/);
    expect(declined.deletes).toEqual([{ slideId: 'a', force: false }]);

    const agreed = setup([true, true], true);
    expect(await agreed.actions.deleteSlide('a')).toBe(true);
    expect(agreed.deletes).toEqual([
      { slideId: 'a', force: false },
      { slideId: 'a', force: true },
    ]);
    // It was the open slide: the view is cleared.
    expect(agreed.cleared()).toBe(1);
    expect(agreed.store.state.slides.map((s) => s.id)).toEqual(['b']);
  });
});
