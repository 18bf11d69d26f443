import type { Region } from '@activeseg/protocol';
import OpenSeadragon from 'openseadragon';
import { ActiveTimer } from './active-timer.js';
import { type DirtyRect, type ImagePoint, MaskCanvas } from './mask-canvas.js';
import { UndoStack } from './undo-stack.js';

export type ToolName = 'pan' | 'brush' | 'eraser' | 'polygon';

export interface AnnotationToolOptions {
  viewer: OpenSeadragon.Viewer;
  /** The image layer, whose image↔viewer transform every pointer position goes through. */
  imageLayer: () => OpenSeadragon.TiledImage | undefined;
  /** Called after any change of mask, tool or history, so panels can refresh their buttons. */
  onChange?: () => void;
}

export interface AnnotationTool {
  readonly active: boolean;
  readonly tool: ToolName;
  readonly radius: number;
  readonly mask: MaskCanvas | undefined;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  /** Vertices of the polygon being drawn, not yet filled. */
  readonly openPolygon: number;
  /** Space is held: the view pans whatever the tool. */
  readonly panHeld: boolean;
  /** Starts editing `region`, empty or from an initial mask (e.g. the thresholded prediction). */
  begin(region: Region, initial?: MaskCanvas): void;
  end(): void;
  /** Replaces the whole mask (e.g. with the thresholded prediction), as one undoable step. */
  replaceMask(data: Uint8Array): void;
  setTool(tool: ToolName): void;
  holdPan(held: boolean): void;
  setRadius(radiusPx: number): void;
  undo(): void;
  redo(): void;
  /** Fills the polygon drawn so far (also on double-click). */
  closePolygon(): void;
  cancelPolygon(): void;
  /**
   * The current region's cost so far (what `POST /api/annotations` reports): active seconds since `begin` (input
   * gaps over 60 s not counted; this call is an input, the submit) and strokes (brush/eraser strokes, polygons).
   */
  effort(): { activeSeconds: number; strokes: number };
  destroy(): void;
}

const FG = [255, 64, 200, 150] as const;
/**
 * A click this close (screen px) to the first vertex closes the polygon; a second click this close to the last
 * vertex within DOUBLE_CLICK_MS is a double-click. Both are decided here rather than by OSD's double-click event,
 * whose timing cannot tell a fast new vertex from a closing double-click.
 */
const CLOSE_RADIUS_PX = 8;
const DOUBLE_CLICK_MS = 500;

/**
 * Brush, eraser and polygon editing of a MaskCanvas in place on the slide. The mask and the polygon preview
 * are canvases of the region's size in level-0 pixels, placed as OSD overlays over the region, so OSD scales
 * them with the view and the tools never store viewport coordinates. Pointer input comes from the viewer's
 * `canvas-*` events; while a drawing tool is active, their default action (pan, zoom on click) is prevented.
 */
export function createAnnotationTool(options: AnnotationToolOptions): AnnotationTool {
  const { viewer } = options;
  let tool: ToolName = 'brush';
  let radius = 12;
  let mask: MaskCanvas | undefined;
  let undo = new UndoStack();
  let maskCanvas: HTMLCanvasElement | undefined;
  let previewCanvas: HTMLCanvasElement | undefined;
  let strokeBefore: Uint8Array | undefined;
  let lastPoint: ImagePoint | undefined;
  let polygon: ImagePoint[] = [];
  // Screen position and time of the last vertex, and the first vertex's screen position (at the zoom it was set).
  let lastClick: { x: number; y: number; t: number } | undefined;
  let firstClick: { x: number; y: number } | undefined;
  let panHeld = false;
  const timer = new ActiveTimer();
  let strokes = 0;
  const input = () => timer.touch(performance.now());
  const changed = () => options.onChange?.();

  const toImage = (position: OpenSeadragon.Point): ImagePoint | undefined => {
    const layer = options.imageLayer();
    if (!layer) return undefined;
    const p = layer.viewerElementToImageCoordinates(position);
    return { x: p.x, y: p.y };
  };

  const paint = (rect: DirtyRect | null): void => {
    if (!mask || !maskCanvas || !rect) return;
    const ctx = maskCanvas.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(rect.width, rect.height);
    for (let y = 0; y < rect.height; y++) {
      for (let x = 0; x < rect.width; x++) {
        if (mask.data[(rect.y + y) * mask.width + rect.x + x] === 0) continue;
        const o = (y * rect.width + x) * 4;
        img.data[o] = FG[0];
        img.data[o + 1] = FG[1];
        img.data[o + 2] = FG[2];
        img.data[o + 3] = FG[3];
      }
    }
    ctx.putImageData(img, rect.x, rect.y);
  };

  const paintPreview = (): void => {
    if (!mask || !previewCanvas) return;
    const ctx = previewCanvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, previewCanvas.width, previewCanvas.height);
    if (polygon.length === 0) return;
    ctx.strokeStyle = '#ffd600';
    ctx.fillStyle = '#ffd600';
    ctx.lineWidth = Math.max(1, mask.width / 256);
    ctx.beginPath();
    polygon.forEach((p, i) => {
      const x = p.x - mask!.region.x;
      const y = p.y - mask!.region.y;
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
    for (const p of polygon) ctx.fillRect(p.x - mask.region.x - 1, p.y - mask.region.y - 1, 3, 3);
  };

  const drawing = () => mask !== undefined && tool !== 'pan' && !panHeld;

  const onPress = (e: OpenSeadragon.CanvasPressEvent): void => {
    if (!drawing() || !mask || (tool !== 'brush' && tool !== 'eraser')) return;
    const p = toImage(e.position);
    if (!p) return;
    input();
    strokeBefore = mask.snapshot();
    lastPoint = p;
    paint(mask.stampDisc(p, radius, tool === 'brush' ? 1 : 0));
  };
  const onDrag = (e: OpenSeadragon.CanvasDragEvent): void => {
    if (!drawing()) return;
    e.preventDefaultAction = true;
    if (!mask || !lastPoint || (tool !== 'brush' && tool !== 'eraser')) return;
    const p = toImage(e.position);
    if (!p) return;
    input();
    paint(mask.strokeSegment(lastPoint, p, radius, tool === 'brush' ? 1 : 0));
    lastPoint = p;
  };
  const onDragEnd = (e: { preventDefaultAction: boolean }): void => {
    if (drawing()) e.preventDefaultAction = true;
  };
  const onRelease = (): void => {
    if (mask && strokeBefore) {
      input();
      strokes++;
      undo.record(strokeBefore, mask.data);
      changed();
    }
    strokeBefore = undefined;
    lastPoint = undefined;
  };
  const onClick = (e: OpenSeadragon.CanvasClickEvent): void => {
    if (!drawing()) return;
    e.preventDefaultAction = true;
    if (tool !== 'polygon' || !e.quick) return;
    const p = toImage(e.position);
    if (!p) return;
    input();
    const now = performance.now();
    const near = (a: { x: number; y: number } | undefined) =>
      a !== undefined && Math.hypot(a.x - e.position.x, a.y - e.position.y) <= CLOSE_RADIUS_PX;
    const doubleClick = near(lastClick) && lastClick !== undefined && now - lastClick.t <= DOUBLE_CLICK_MS;
    if (polygon.length >= 3 && (doubleClick || near(firstClick))) {
      api.closePolygon();
      // Remembered, so the rest of a double- or triple-click on the closing point starts no new polygon.
      lastClick = { x: e.position.x, y: e.position.y, t: now };
      return;
    }
    // A repeat click on the same spot adds no duplicate vertex.
    if (doubleClick) return;
    if (polygon.length === 0) firstClick = { x: e.position.x, y: e.position.y };
    lastClick = { x: e.position.x, y: e.position.y, t: now };
    polygon.push(p);
    paintPreview();
  };
  // Closing is decided in onClick; OSD's own double-click (zoom) is only suppressed here.
  const onDoubleClick = (e: OpenSeadragon.CanvasDoubleClickEvent): void => {
    if (drawing()) e.preventDefaultAction = true;
  };
  const clearPolygon = (): void => {
    polygon = [];
    lastClick = undefined;
    firstClick = undefined;
    paintPreview();
  };

  viewer.addHandler('canvas-press', onPress);
  viewer.addHandler('canvas-drag', onDrag);
  viewer.addHandler('canvas-drag-end', onDragEnd);
  viewer.addHandler('canvas-release', onRelease);
  viewer.addHandler('canvas-click', onClick);
  viewer.addHandler('canvas-double-click', onDoubleClick);

  const removeOverlays = (): void => {
    for (const c of [maskCanvas, previewCanvas]) if (c) viewer.removeOverlay(c);
    maskCanvas = undefined;
    previewCanvas = undefined;
  };

  const api: AnnotationTool = {
    get active() {
      return mask !== undefined;
    },
    get tool() {
      return tool;
    },
    get radius() {
      return radius;
    },
    get mask() {
      return mask;
    },
    get canUndo() {
      return undo.canUndo;
    },
    get canRedo() {
      return undo.canRedo;
    },
    get openPolygon() {
      return polygon.length;
    },
    get panHeld() {
      return panHeld;
    },
    begin(region, initial) {
      api.end();
      const layer = options.imageLayer();
      if (!layer) throw new Error('annotation: the slide is not loaded yet');
      mask = initial ?? new MaskCanvas(region);
      undo = new UndoStack();
      timer.restart(performance.now());
      strokes = 0;
      const rect = layer.imageToViewportRectangle(region.x, region.y, region.width, region.height);
      const make = (cls: string, testId: string) => {
        const c = document.createElement('canvas');
        c.width = region.width;
        c.height = region.height;
        c.className = cls;
        c.dataset.testid = testId;
        viewer.addOverlay({ element: c, location: new OpenSeadragon.Rect(rect.x, rect.y, rect.width, rect.height) });
        return c;
      };
      maskCanvas = make('activeseg-mask', 'activeseg-mask');
      previewCanvas = make('activeseg-mask', 'activeseg-polygon');
      paint({ x: 0, y: 0, width: region.width, height: region.height });
      changed();
    },
    end() {
      removeOverlays();
      mask = undefined;
      clearPolygon();
      undo.clear();
      changed();
    },
    replaceMask(data) {
      if (!mask || data.length !== mask.data.length) return;
      const before = mask.snapshot();
      mask.data.set(data);
      undo.record(before, mask.data);
      paint({ x: 0, y: 0, width: mask.width, height: mask.height });
      changed();
    },
    setTool(next) {
      tool = next;
      clearPolygon();
      changed();
    },
    holdPan(held) {
      if (held === panHeld) return;
      panHeld = held;
      changed();
    },
    setRadius(px) {
      radius = Math.max(1, Math.min(256, px));
      changed();
    },
    undo() {
      if (mask) input();
      if (mask && undo.undo(mask.data)) {
        paint({ x: 0, y: 0, width: mask.width, height: mask.height });
        changed();
      }
    },
    redo() {
      if (mask) input();
      if (mask && undo.redo(mask.data)) {
        paint({ x: 0, y: 0, width: mask.width, height: mask.height });
        changed();
      }
    },
    closePolygon() {
      if (!mask || polygon.length < 3) return;
      input();
      strokes++;
      const before = mask.snapshot();
      paint(mask.fillPolygon(polygon, 1));
      undo.record(before, mask.data);
      clearPolygon();
      changed();
    },
    cancelPolygon() {
      clearPolygon();
      changed();
    },
    effort() {
      input();
      return { activeSeconds: timer.seconds, strokes };
    },
    destroy() {
      api.end();
      viewer.removeHandler('canvas-press', onPress);
      viewer.removeHandler('canvas-drag', onDrag);
      viewer.removeHandler('canvas-drag-end', onDragEnd);
      viewer.removeHandler('canvas-release', onRelease);
      viewer.removeHandler('canvas-click', onClick);
      viewer.removeHandler('canvas-double-click', onDoubleClick);
    },
  };
  return api;
}
