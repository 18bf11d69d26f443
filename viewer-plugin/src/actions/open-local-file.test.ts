import type { SlideInfo } from '@activeseg/protocol';
import { describe, expect, it } from 'vitest';
import { DaemonError, type HttpClient, type UploadSlideOptions } from '../client/http-client.js';
import { createStore } from '../state/create-store.js';
import { reduceViewerState } from '../state/reduce-viewer-state.js';
import { initialViewerState, type UploadView } from '../state/viewer-state.js';
import { slideInfo } from '../testing/slide-info.js';
import { createOpenLocalFile } from './open-local-file.js';

/**
 * Dropped files on a fake daemon that, like the real one, answers SLIDE_DUPLICATE for bytes it already holds
 * when asked to refuse, and reports upload progress in four steps. Files here are over the preview threshold
 * (TIFF), so nothing is decoded: the node test has no canvas, and a big file must never reach one.
 */
function setup(answers: boolean[] = [], options: { holdUpload?: boolean; progressSteps?: number } = {}) {
  const asked: string[] = [];
  const sent: { name: string; duplicate: UploadSlideOptions['duplicate'] }[] = [];
  const held = new Map<string, string>();
  let slides: SlideInfo[] = [];
  const opened: string[] = [];
  let release: (() => void) | undefined;
  const http = {
    async uploadSlide(file: File, opts: UploadSlideOptions) {
      sent.push({ name: file.name, duplicate: opts.duplicate });
      const bytes = await file.text();
      const steps = options.progressSteps ?? 4;
      for (let i = 1; i <= steps; i++) opts.onProgress?.({ sentBytes: (file.size * i) / 4, totalBytes: file.size });
      if (options.holdUpload) {
        await new Promise<void>((resolve, reject) => {
          release = resolve;
          opts.signal?.addEventListener('abort', () => reject(new DOMException('cancelled', 'AbortError')));
        });
      }
      const same = held.get(bytes);
      if (same && opts.duplicate === 'refuse') {
        throw new DaemonError(`This file is already a slide in the project: same bytes as “${same}”`, {
          code: 'SLIDE_DUPLICATE',
          status: 409,
        });
      }
      const info = slideInfo(`sl_${slides.length + 1}`, { name: file.name });
      held.set(bytes, file.name);
      slides = [...slides, info];
      return info;
    },
    listSlides: async () => ({ slides }),
  } as unknown as HttpClient;
  const store = createStore({ initial: initialViewerState(), reduce: reduceViewerState });
  const uploads: (UploadView | undefined)[] = [];
  store.subscribe((s) => {
    if (uploads.at(-1) !== s.upload) uploads.push(s.upload);
  });
  const action = createOpenLocalFile({
    http,
    store,
    slides: {
      refreshSlides: async () => store.dispatch({ type: 'slides.listed', slides }),
      openSlide: async (id: string) => void opened.push(id),
    },
    confirm: (message: string) => {
      asked.push(message);
      return answers.shift() ?? false;
    },
  } as unknown as Parameters<typeof createOpenLocalFile>[0]);
  return { action, asked, sent, store, opened, uploads, slides: () => slides, release: () => release?.() };
}

const file = (name: string, text: string, lastModified = 1) => new File([text], name, { lastModified });

describe('a dropped file too big to preview', () => {
  it('is streamed with progress, then listed and opened; the bar goes away', async () => {
    const t = setup();
    await t.action.open(file('big.tif', 'x'.repeat(400)));
    expect(t.sent).toEqual([{ name: 'big.tif', duplicate: 'refuse' }]);
    expect(t.opened).toEqual(['sl_1']);
    const seen = t.uploads.filter((u) => u !== undefined);
    expect(seen.map((u) => [u.sentBytes, u.phase])).toEqual([
      [0, 'sending'],
      [100, 'sending'],
      [200, 'sending'],
      [300, 'sending'],
      [400, 'ingesting'],
    ]);
    expect(t.store.state.upload).toBeUndefined();
    expect(t.store.state.annotationStatus).toEqual({ tone: 'muted', text: 'big.tif added as sl_1' });
  });

  it('dropped again, asks before sending it at all; declined, nothing is sent or added', async () => {
    const t = setup([false]);
    const f = file('big.tif', 'same bytes');
    await t.action.open(f);
    await t.action.open(f);
    expect(t.asked).toEqual(['“big.tif” was already added as slide sl_1. Add it again?']);
    expect(t.sent).toHaveLength(1);
    expect(t.slides()).toHaveLength(1);
    expect(t.store.state.annotationStatus.text).toBe('big.tif not added again');
  });

  it('dropped again and confirmed, is sent with duplicate=add and becomes a second slide', async () => {
    const t = setup([true]);
    const f = file('big.tif', 'same bytes');
    await t.action.open(f);
    await t.action.open(f);
    expect(t.sent.map((s) => s.duplicate)).toEqual(['refuse', 'add']);
    expect(t.opened).toEqual(['sl_1', 'sl_2']);
  });

  it('the same bytes under another name: the daemon says SLIDE_DUPLICATE, the viewer asks, and adds only on yes', async () => {
    const no = setup([false]);
    await no.action.open(file('a.tif', 'bytes'));
    await no.action.open(file('copy of a.tif', 'bytes', 2));
    expect(no.asked).toEqual(['This file is already a slide in the project: same bytes as “a.tif”. Add it again?']);
    expect(no.slides()).toHaveLength(1);
    const yes = setup([true]);
    await yes.action.open(file('a.tif', 'bytes'));
    await yes.action.open(file('copy of a.tif', 'bytes', 2));
    expect(yes.sent.map((s) => s.duplicate)).toEqual(['refuse', 'refuse', 'add']);
    expect(yes.slides().map((s) => s.name)).toEqual(['a.tif', 'copy of a.tif']);
  });

  it('cancel stops the upload: nothing added, a calm notice, no bar, and the next drop works', async () => {
    const t = setup([], { holdUpload: true, progressSteps: 3 });
    const pending = t.action.open(file('big.tif', 'x'.repeat(40)));
    await new Promise((r) => setTimeout(r, 0));
    expect(t.store.state.upload?.name).toBe('big.tif');
    await expect(t.action.open(file('other.tif', 'y'))).rejects.toThrow('another file is still uploading');
    t.action.cancel();
    await pending;
    expect(t.slides()).toEqual([]);
    expect(t.store.state.upload).toBeUndefined();
    expect(t.store.state.annotationStatus).toEqual({
      tone: 'muted',
      text: 'Upload of big.tif cancelled; nothing was added',
    });
    const next = t.action.open(file('other.tif', 'y'));
    await new Promise((r) => setTimeout(r, 0));
    t.release();
    await next;
    expect(t.slides().map((s) => s.name)).toEqual(['other.tif']);
  });

  it('once every byte is sent, Cancel does nothing: the daemon is adding the slide, and its answer is awaited', async () => {
    const t = setup([], { holdUpload: true });
    const pending = t.action.open(file('big.tif', 'x'.repeat(40)));
    await new Promise((r) => setTimeout(r, 0));
    expect(t.store.state.upload?.phase).toBe('ingesting');
    t.action.cancel();
    t.release();
    await pending;
    expect(t.slides().map((s) => s.name)).toEqual(['big.tif']);
    expect(t.opened).toEqual(['sl_1']);
  });
});
