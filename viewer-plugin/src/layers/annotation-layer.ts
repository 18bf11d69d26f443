import type { AnnotationSummary } from '@activeseg/protocol';
import OpenSeadragon from 'openseadragon';
import { decodeMaskPng } from '../codec/decode-mask-png.js';
import type { LayerView } from '../state/viewer-state.js';
import { paintAnnotationMask } from './paint-annotation-mask.js';

export interface AnnotationLayerOptions {
  viewer: OpenSeadragon.Viewer;
  /** The image layer, whose image→viewport transform places each annotation. */
  imageLayer: () => OpenSeadragon.TiledImage | undefined;
  /** A version's mask PNG (versions never change, so each is fetched once). */
  loadMask: (annotationId: string) => Promise<Blob>;
  onError: (message: string) => void;
}

/**
 * The stored annotations of the open slide, drawn from their masks: one canvas of the region's size per
 * annotation, placed as an OSD overlay over its region (OSD scales it with the view, as the editor's mask).
 * It follows the state (`sync`): new ids are fetched and drawn, ids no longer listed are removed.
 */
export interface AnnotationLayer {
  sync(annotations: readonly AnnotationSummary[], view: Pick<LayerView, 'visible' | 'opacity'>): void;
  /** Hides one annotation (the one loaded into the editor, which draws it itself). */
  setHidden(annotationId: string | undefined): void;
  clear(): void;
}

export function createAnnotationLayer(options: AnnotationLayerOptions): AnnotationLayer {
  const { viewer } = options;
  const drawn = new Map<string, HTMLCanvasElement>();
  let view: Pick<LayerView, 'visible' | 'opacity'> = { visible: true, opacity: 1 };
  let hidden: string | undefined;
  // Bumped by clear(): a mask that arrives for an earlier slide is dropped.
  let generation = 0;

  const style = (id: string, canvas: HTMLCanvasElement): void => {
    canvas.style.visibility = view.visible && id !== hidden ? '' : 'hidden';
    canvas.style.opacity = String(view.opacity);
  };

  const draw = async (a: AnnotationSummary, canvas: HTMLCanvasElement, gen: number): Promise<void> => {
    const { width, height } = a.region;
    const mask = await decodeMaskPng(await options.loadMask(a.id), width, height);
    if (gen !== generation || drawn.get(a.id) !== canvas) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('canvas 2D is not available');
    ctx.putImageData(new ImageData(paintAnnotationMask(mask, width, height), width, height), 0, 0);
    canvas.dataset.drawn = 'true';
  };

  const add = (a: AnnotationSummary, image: OpenSeadragon.TiledImage): void => {
    const { x, y, width, height } = a.region;
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    canvas.className = 'activeseg-mask activeseg-annotation';
    canvas.dataset.testid = 'activeseg-annotation-overlay';
    canvas.dataset.annotationId = a.id;
    style(a.id, canvas);
    const rect = image.imageToViewportRectangle(x, y, width, height);
    viewer.addOverlay({ element: canvas, location: new OpenSeadragon.Rect(rect.x, rect.y, rect.width, rect.height) });
    drawn.set(a.id, canvas);
    draw(a, canvas, generation).catch((err: unknown) =>
      options.onError(`Annotation ${a.id}: ${err instanceof Error ? err.message : String(err)}`),
    );
  };

  const remove = (id: string): void => {
    const canvas = drawn.get(id);
    if (canvas) viewer.removeOverlay(canvas);
    drawn.delete(id);
  };

  return {
    sync(annotations, next) {
      const changedView = next.visible !== view.visible || next.opacity !== view.opacity;
      view = { visible: next.visible, opacity: next.opacity };
      const ids = new Set(annotations.map((a) => a.id));
      for (const id of [...drawn.keys()]) if (!ids.has(id)) remove(id);
      const image = options.imageLayer();
      if (image) for (const a of annotations) if (!drawn.has(a.id)) add(a, image);
      if (changedView) for (const [id, canvas] of drawn) style(id, canvas);
    },
    setHidden(id) {
      if (id === hidden) return;
      hidden = id;
      for (const [key, canvas] of drawn) style(key, canvas);
    },
    clear() {
      generation++;
      for (const id of [...drawn.keys()]) remove(id);
    },
  };
}
