import type { Region } from '@activeseg/protocol';
import type OpenSeadragon from 'openseadragon';

export interface ViewportReporterOptions {
  viewer: OpenSeadragon.Viewer;
  /** The open slide's image layer, through which the view becomes level-0 pixels; undefined while none is open. */
  imageLayer: () => OpenSeadragon.TiledImage | undefined;
  slideId: () => string | undefined;
  /** Called with the region on screen once the view has been still for `settleMs`, and only when it changed. */
  report(slideId: string, region: Region): void;
  /** Default 300 ms: a pan or an animated zoom sends one frame, not one per redraw. */
  settleMs?: number;
}

/**
 * The level-0 pixels of `rect` (image coordinates, possibly past the slide or fractional) clipped to the slide
 * and widened to whole pixels; undefined when nothing of the slide is in it.
 */
export function slideRegionOf(
  rect: { x: number; y: number; width: number; height: number },
  size: { width: number; height: number },
): Region | undefined {
  const x0 = Math.max(0, Math.floor(rect.x));
  const y0 = Math.max(0, Math.floor(rect.y));
  const x1 = Math.min(size.width, Math.ceil(rect.x + rect.width));
  const y1 = Math.min(size.height, Math.ceil(rect.y + rect.height));
  if (x1 <= x0 || y1 <= y0) return undefined;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Tells the daemon what part of the open slide is on screen, so a re-scoring (e.g. right after training) reaches
 * the visible cells first. Follows OSD's `update-viewport` (every redraw: pans, zooms, the first fit of a slide),
 * settled; returns the function that unbinds it.
 */
export function bindViewportReporter(options: ViewportReporterOptions): () => void {
  const { viewer } = options;
  const settleMs = options.settleMs ?? 300;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = '';

  const send = (): void => {
    timer = undefined;
    const image = options.imageLayer();
    const slideId = options.slideId();
    if (!image || !slideId) return;
    const rect = image.viewportToImageRectangle(viewer.viewport.getBounds(true));
    const size = image.getContentSize();
    const region = slideRegionOf(rect, { width: size.x, height: size.y });
    if (!region) return;
    const key = `${slideId}/${region.x},${region.y},${region.width},${region.height}`;
    if (key === last) return;
    last = key;
    options.report(slideId, region);
  };
  const onUpdate = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(send, settleMs);
  };
  viewer.addHandler('update-viewport', onUpdate);
  return () => {
    viewer.removeHandler('update-viewport', onUpdate);
    if (timer !== undefined) clearTimeout(timer);
  };
}
