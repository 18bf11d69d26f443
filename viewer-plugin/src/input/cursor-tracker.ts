import OpenSeadragon from 'openseadragon';
import type { ImagePixel } from '../state/viewer-state.js';
import { pixelAt } from './pixel-at.js';

export interface CursorTrackerOptions {
  viewer: OpenSeadragon.Viewer;
  /** The open slide's image layer, through which the pointer becomes level-0 pixels; undefined while none is open. */
  imageLayer: () => OpenSeadragon.TiledImage | undefined;
  /** The pixel under the pointer, or undefined off the slide; at most once per animation frame. */
  onMove(pixel: ImagePixel | undefined): void;
}

/**
 * Follows the pointer over the viewer in level-0 pixels. Pointer events come far more often than frames, so the
 * conversion runs once per frame; a pan or zoom under a still pointer (wheel, keys, a fly-to) moves the slide
 * under it, so every redraw converts again too. Over the plugin's panels or the navigator the pointer is not on the slide.
 * Returns the function that unbinds it.
 */
export function bindCursorTracker(options: CursorTrackerOptions): () => void {
  const { viewer } = options;
  let pointer: { x: number; y: number } | undefined;
  let frame: number | undefined;

  const report = (): void => {
    frame = undefined;
    const layer = options.imageLayer();
    if (!layer || !pointer) {
      options.onMove(undefined);
      return;
    }
    const point = layer.viewerElementToImageCoordinates(new OpenSeadragon.Point(pointer.x, pointer.y));
    const size = layer.getContentSize();
    options.onMove(pixelAt(point, { width: size.x, height: size.y }));
  };
  const schedule = (): void => {
    frame ??= requestAnimationFrame(report);
  };
  const offSlide = (target: EventTarget | null): boolean =>
    target instanceof Element &&
    (target.closest('.activeseg') !== null || !!viewer.navigator?.element.contains(target));
  const onMove = (e: PointerEvent): void => {
    if (offSlide(e.target)) pointer = undefined;
    else {
      const box = viewer.element.getBoundingClientRect();
      pointer = { x: e.clientX - box.left, y: e.clientY - box.top };
    }
    schedule();
  };
  const onLeave = (): void => {
    pointer = undefined;
    schedule();
  };
  const onRedraw = (): void => {
    if (pointer) schedule();
  };
  viewer.element.addEventListener('pointermove', onMove);
  viewer.element.addEventListener('pointerleave', onLeave);
  viewer.addHandler('update-viewport', onRedraw);
  return () => {
    viewer.element.removeEventListener('pointermove', onMove);
    viewer.element.removeEventListener('pointerleave', onLeave);
    viewer.removeHandler('update-viewport', onRedraw);
    if (frame !== undefined) cancelAnimationFrame(frame);
  };
}
