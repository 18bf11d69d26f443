import OpenSeadragon from 'openseadragon';
import type { ToolView } from '../state/viewer-state.js';

export interface BrushCursorOptions {
  viewer: OpenSeadragon.Viewer;
  /** The image layer: the circle's size is the brush radius in its level-0 pixels, converted to the screen. */
  imageLayer: () => OpenSeadragon.TiledImage | undefined;
}

export interface BrushCursor {
  /** Follows the tool: shown for brush and eraser on an active region, hidden otherwise. */
  sync(tool: ToolView): void;
  destroy(): void;
}

/**
 * A circle under the pointer at the brush's true size on screen, so what a stroke will cover is seen before it
 * is painted. It is resized on every zoom step, because the radius is in image pixels.
 */
export function createBrushCursor(options: BrushCursorOptions): BrushCursor {
  const { viewer } = options;
  const circle = document.createElement('div');
  circle.className = 'activeseg-brush-cursor';
  circle.dataset.testid = 'activeseg-brush-cursor';
  circle.hidden = true;
  viewer.element.append(circle);
  let tool: ToolView | undefined;
  let pointer: { x: number; y: number } | undefined;
  const onLeave = (): void => {
    pointer = undefined;
    place();
  };

  const place = (): void => {
    const layer = options.imageLayer();
    const t = tool;
    const at = pointer;
    const show = t?.active && !t.panHeld && (t.tool === 'brush' || t.tool === 'eraser');
    circle.hidden = !(show && layer && at);
    if (!show || !layer || !at) return;
    const origin = layer.imageToViewerElementCoordinates(new OpenSeadragon.Point(0, 0));
    const edge = layer.imageToViewerElementCoordinates(new OpenSeadragon.Point(t.radius, 0));
    const r = Math.abs(edge.x - origin.x);
    circle.style.width = circle.style.height = `${2 * r}px`;
    circle.style.transform = `translate(${at.x - r}px, ${at.y - r}px)`;
    circle.dataset.diameter = (2 * r).toFixed(1);
    circle.classList.toggle('as-eraser', t.tool === 'eraser');
  };
  const onMove = (e: PointerEvent): void => {
    // Over the toolbar or help the pointer is not on the slide.
    if (e.target instanceof Element && e.target.closest('.activeseg')) {
      onLeave();
      return;
    }
    const box = viewer.element.getBoundingClientRect();
    pointer = { x: e.clientX - box.left, y: e.clientY - box.top };
    place();
  };
  viewer.element.addEventListener('pointermove', onMove);
  viewer.element.addEventListener('pointerleave', onLeave);
  viewer.addHandler('animation', place);
  return {
    sync(next) {
      tool = next;
      place();
    },
    destroy() {
      viewer.element.removeEventListener('pointermove', onMove);
      viewer.element.removeEventListener('pointerleave', onLeave);
      viewer.removeHandler('animation', place);
      circle.remove();
    },
  };
}
