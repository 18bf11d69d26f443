import type { RgbaImage } from '../io/image-to-rgba.js';
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

/**
 * A local image dropped on the viewer: decoded in the browser (itk-wasm, pipelines served by the daemon), shown
 * at once, uploaded as a new slide, then opened as that slide.
 */
export function createOpenLocalFile(
  deps: Pick<ActionDeps, 'viewer' | 'daemonUrl' | 'http' | 'store' | 'slideView' | 'tool'> & {
    slides: Pick<SlideActions, 'openSlide' | 'refreshSlides'>;
  },
): (file: File) => Promise<void> {
  const { store } = deps;
  const notice = (text: string) => store.dispatch({ type: 'annotation.status', notice: { tone: 'busy', text } });
  const open = async (file: File): Promise<void> => {
    notice(`Reading ${file.name}…`);
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
    notice(`Uploading ${file.name}…`);
    const info = await deps.http.uploadSlide(file, { name: file.name });
    store.dispatch({ type: 'annotation.status', notice: { tone: 'muted', text: `${file.name} added as ${info.id}` } });
    await deps.slides.refreshSlides();
    await deps.slides.openSlide(info.id);
  };
  return (file) =>
    open(file).catch((err: unknown) => {
      // A failed read or upload must not leave the notice busy (that keeps Submit disabled).
      store.dispatch({
        type: 'annotation.status',
        notice: { tone: 'error', text: err instanceof Error ? err.message : String(err) },
      });
      throw err;
    });
}
