import type { SlideInfo } from '@activeseg/protocol';
import { DaemonError, type UploadSlideOptions } from '../client/http-client.js';
import type { RgbaImage } from '../io/image-to-rgba.js';
import { shouldPreview } from '../io/preview-policy.js';
import { readImageFile } from '../io/read-image-file.js';
import type { ActionDeps } from './action-deps.js';
import type { SlideActions } from './slide-actions.js';

/** Renders decoded RGBA pixels as a PNG, which OSD can show as a single-image tile source. */
async function toPng(img: RgbaImage, name: string): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d')?.putImageData(new ImageData(img.rgba, img.width, img.height), 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error(`${name}: cannot render a preview`);
  return blob;
}

export interface OpenLocalFile {
  /** Adds a dropped or picked file as a slide and opens it; resolves when done, declined or cancelled. */
  open(file: File): Promise<void>;
  /** Stops the upload in flight (nothing is added); no-op when none is, or once every byte is sent. */
  cancel(): void;
}

export interface OpenLocalFileDeps
  extends Pick<ActionDeps, 'viewer' | 'daemonUrl' | 'http' | 'store' | 'slideView' | 'tool' | 'confirm'> {
  slides: Pick<SlideActions, 'openSlide' | 'refreshSlides'>;
  /** Larger files are uploaded without a preview (see `shouldPreview`). */
  previewMaxBytes?: number;
}

const isAbort = (err: unknown) => err instanceof Error && err.name === 'AbortError';

/**
 * A local image dropped on the viewer. Small PNG/JPEG files are decoded in the browser (itk-wasm, pipelines
 * served by the daemon) and shown at once; anything else (a TIFF, a large file) is never decoded here: the File
 * is streamed to the daemon as is, with a progress bar and Cancel, while the open slide stays usable. Either way
 * it becomes a new slide, which is then opened. The same file twice asks first: known to this page (name, size,
 * modification time), or the daemon's SLIDE_DUPLICATE (same bytes, any name).
 */
export function createOpenLocalFile(deps: OpenLocalFileDeps): OpenLocalFile {
  const { store } = deps;
  const notice = (tone: 'muted' | 'busy', text: string) =>
    store.dispatch({ type: 'annotation.status', notice: { tone, text } });
  /** Files this page uploaded, to the slide each became. */
  const uploaded = new Map<string, string>();
  let inFlight: AbortController | undefined;
  /** Every byte of the upload in flight is sent: the daemon is adding it, and cancelling would only lose the answer. */
  let allSent = false;

  const preview = async (file: File) => {
    notice('busy', `Reading ${file.name}…`);
    const img = await readImageFile(file, {
      pipelinesBaseUrl: `${deps.daemonUrl}/vendor/image-io/pipelines`,
      pipelineWorkerUrl: `${deps.daemonUrl}/vendor/itk-wasm/itk-wasm-pipeline.min.worker.js`,
    });
    const url = URL.createObjectURL(await toPng(img, file.name));
    deps.tool.end();
    store.dispatch({ type: 'slide.closed' });
    try {
      await deps.slideView.showPreview(url);
    } finally {
      URL.revokeObjectURL(url);
    }
    deps.viewer.viewport.goHome(true);
  };

  const upload = async (file: File, duplicate: 'add' | 'refuse', signal: AbortSignal): Promise<SlideInfo> => {
    const totalBytes = file.size;
    const progress = (sentBytes: number) => {
      allSent = sentBytes >= totalBytes;
      store.dispatch({
        type: 'upload.progress',
        upload: { name: file.name, sentBytes, totalBytes, phase: allSent ? 'ingesting' : 'sending' },
      });
    };
    progress(0);
    const options: UploadSlideOptions = {
      name: file.name,
      duplicate,
      signal,
      onProgress: (p) => progress(p.sentBytes),
    };
    return deps.http.uploadSlide(file, options);
  };

  const open = async (file: File): Promise<void> => {
    if (inFlight) throw new Error(`${file.name}: another file is still uploading; cancel it or wait`);
    const key = `${file.name}\u0000${file.size}\u0000${file.lastModified}`;
    const earlier = uploaded.get(key);
    let duplicate: 'add' | 'refuse' = 'refuse';
    if (earlier !== undefined && store.state.slides.some((s) => s.id === earlier)) {
      // Asked before sending: a 200 MB file is not sent again just to hear it is a duplicate.
      if (!deps.confirm(`“${file.name}” was already added as slide ${earlier}. Add it again?`)) {
        notice('muted', `${file.name} not added again`);
        return;
      }
      duplicate = 'add';
    }
    if (shouldPreview(file, deps.previewMaxBytes === undefined ? {} : { previewMaxBytes: deps.previewMaxBytes })) {
      await preview(file);
      notice('busy', `Uploading ${file.name}…`);
    }
    const controller = new AbortController();
    inFlight = controller;
    let info: SlideInfo;
    try {
      try {
        info = await upload(file, duplicate, controller.signal);
      } catch (err) {
        if (!(err instanceof DaemonError) || err.code !== 'SLIDE_DUPLICATE') throw err;
        if (!deps.confirm(`${err.message}. Add it again?`)) {
          notice('muted', `${file.name} not added again`);
          return;
        }
        info = await upload(file, 'add', controller.signal);
      }
    } finally {
      inFlight = undefined;
      store.dispatch({ type: 'upload.ended' });
    }
    uploaded.set(key, info.id);
    notice('muted', `${file.name} added as ${info.id}`);
    await deps.slides.refreshSlides();
    await deps.slides.openSlide(info.id);
  };

  return {
    open: (file) =>
      open(file).catch((err: unknown) => {
        if (isAbort(err)) {
          notice('muted', `Upload of ${file.name} cancelled; nothing was added`);
          return;
        }
        // A failed read or upload must not leave the notice busy (that keeps Submit disabled).
        store.dispatch({
          type: 'annotation.status',
          notice: { tone: 'error', text: err instanceof Error ? err.message : String(err) },
        });
        throw err;
      }),
    cancel: () => {
      if (!allSent) inFlight?.abort();
    },
  };
}
