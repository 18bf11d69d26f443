import type { Region } from '@activeseg/protocol';
import type OpenSeadragon from 'openseadragon';
import type { RaiseEvent } from './actions/action-deps.js';
import { toolViewOf } from './actions/annotation-actions.js';
import { createViewerIntents } from './actions/create-viewer-intents.js';
import { createHttpClient, type FetchLike } from './client/http-client.js';
import type { ReconnectPolicy } from './client/reconnect-policy.js';
import { createWsClient, type WebSocketConstructor } from './client/ws-client.js';
import { bindCursorTracker } from './input/cursor-tracker.js';
import { bindFileDrop } from './input/file-drop.js';
import { bindKeyboardShortcuts } from './input/keyboard-shortcuts.js';
import { createAnnotationLayer } from './layers/annotation-layer.js';
import { createChangesLayer } from './layers/changes-layer.js';
import { createSlideAdjuster } from './layers/slide-adjuster.js';
import { createSlideView } from './layers/slide-view.js';
import { bindViewportReporter } from './layers/viewport-reporter.js';
import { createAdjustPanel } from './panels/adjust-panel.js';
import { createAnnotationsPanel } from './panels/annotations-panel.js';
import { createConnectionPanel } from './panels/connection-panel.js';
import { createCursorReadout } from './panels/cursor-readout.js';
import { el } from './panels/el.js';
import { createHelpOverlay } from './panels/help-overlay.js';
import { createJobsPanel } from './panels/jobs-panel.js';
import { createLayersPanel } from './panels/layers-panel.js';
import { createLearningPanel } from './panels/learning-panel.js';
import { createModelsPanel } from './panels/models-panel.js';
import type { CreatePanel } from './panels/panel.js';
import { PANEL_STYLES } from './panels/panel-styles.js';
import { createScaleBar } from './panels/scale-bar.js';
import { createSectionSlider } from './panels/section-slider.js';
import { createSlidesPanel } from './panels/slides-panel.js';
import { createStatusBar } from './panels/status-bar.js';
import { createSuggestionsPanel } from './panels/suggestions-panel.js';
import { createToolbar } from './panels/toolbar.js';
import { createUploadProgress } from './panels/upload-progress.js';
import { trimSlash, wsEndpoint } from './sources/tile-url.js';
import { serverMessageCommands } from './state/apply-server-message.js';
import { createStore } from './state/create-store.js';
import { reduceViewerState } from './state/reduce-viewer-state.js';
import { initialViewerState, type LayerName } from './state/viewer-state.js';
import { createAnnotationTool } from './tools/annotation-tool.js';
import { createBrushCursor } from './tools/brush-cursor.js';

export type { ActiveSegEventMap } from './actions/action-deps.js';

export interface AttachActiveSegOptions {
  /** Daemon origin, e.g. `http://127.0.0.1:7007`. */
  daemonUrl: string;
  token: string;
  /** Slide to open right away. */
  slideId?: string;
  /** Where the panels go; default a floating sidebar inside the viewer element. */
  container?: HTMLElement;
  /** Where the status bar goes; default the bottom of `container` (or of the floating sidebar). */
  statusContainer?: HTMLElement;
  /** Injected for tests and non-browser hosts. */
  fetch?: FetchLike;
  WebSocket?: WebSocketConstructor;
  reconnectPolicy?: ReconnectPolicy;
  /** Suggestions to list. Default 20. */
  suggestionCount?: number;
  /** Yes/no questions before destructive actions (deleting a slide). Default `window.confirm`. */
  confirm?: (message: string) => boolean;
}

export interface ActiveSegHandle {
  openSlide(slideId: string): Promise<void>;
  setLayerOpacity(layer: LayerName, opacity: number): void;
  setLayerVisible(layer: LayerName, visible: boolean): void;
  destroy(): void;
}

/** The sidebar, top to bottom. A new panel is one file and one entry here. */
const PANELS: readonly CreatePanel[] = [
  createConnectionPanel,
  createSlidesPanel,
  createLayersPanel,
  createAdjustPanel,
  createSuggestionsPanel,
  createJobsPanel,
  createAnnotationsPanel,
  createLearningPanel,
  createModelsPanel,
];
/** Over the viewer: what is needed per annotation stays in reach, never below the sidebar's fold. */
const VIEWER_PANELS: readonly CreatePanel[] = [
  createToolbar,
  createHelpOverlay,
  createScaleBar,
  createCursorReadout,
  createUploadProgress,
  createSectionSlider,
];

/**
 * Connects an OpenSeadragon viewer to an activeseg daemon: slide + overlay layers as TiledImages, live updates
 * over WS, suggestions, in-place annotation and job progress. This function only wires: server frames and
 * actions go through one reducer (`state/`), panels render the state, actions (`actions/`) talk to the daemon
 * and the viewer. Everything it adds (handlers, items, overlays, DOM) is removed by `destroy()`, so the host
 * viewer is left as it was.
 */
export function attachActiveSeg(viewer: OpenSeadragon.Viewer, options: AttachActiveSegOptions): ActiveSegHandle {
  const daemonUrl = trimSlash(options.daemonUrl);
  const { token } = options;
  const cleanups: (() => void)[] = [];
  let destroyed = false;

  // Names this tab in patch holds, so other pages can show what it is editing and it can tell its own hold apart.
  const store = createStore({
    initial: initialViewerState({ holderId: crypto.randomUUID() }),
    reduce: reduceViewerState,
  });
  const report = (err: unknown): void =>
    store.dispatch({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  const http = createHttpClient({ daemonUrl, token, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const endpoint = wsEndpoint({ daemonUrl, token });
  const ws = createWsClient({
    url: endpoint.url,
    protocols: endpoint.protocols,
    ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
    ...(options.reconnectPolicy ? { policy: options.reconnectPolicy } : {}),
    ...(options.slideId ? { slideIds: [options.slideId] } : {}),
    checkToken: () => http.checkToken(),
  });
  cleanups.push(() => ws.close());
  const slideView = createSlideView({ viewer, daemonUrl, token, onError: report });
  const changesLayer = createChangesLayer({ viewer, daemonUrl, token, onError: report });
  cleanups.push(() => changesLayer.destroy());
  const annotationLayer = createAnnotationLayer({
    viewer,
    imageLayer: () => slideView.imageItem,
    loadMask: (annotationId) => http.getAnnotationMask(annotationId),
    onError: report,
  });
  cleanups.push(() => annotationLayer.clear());
  // The region this tab holds (tells the daemon only when it changes).
  let held: { slideId: string; region: Region } | undefined;
  const followTool = (): void => {
    store.dispatch({ type: 'tool.changed', tool: toolViewOf(tool) });
    // The edit of a stored annotation ends with the region (submitted, skipped or replaced by another).
    if (!tool.active && store.state.editing !== undefined) {
      store.dispatch({ type: 'annotation.editing', annotationId: undefined });
    }
    const slideId = store.state.slide?.id;
    const region = tool.mask?.region;
    const next = region && slideId ? { slideId, region } : undefined;
    if (next?.slideId === held?.slideId && JSON.stringify(next?.region) === JSON.stringify(held?.region)) return;
    held = next;
    ws.hold(next ? { ...next, holder: store.state.holderId } : undefined);
  };
  const tool = createAnnotationTool({ viewer, imageLayer: () => slideView.imageItem, onChange: followTool });
  cleanups.push(() => tool.destroy());
  store.dispatch({ type: 'tool.changed', tool: toolViewOf(tool) });
  // OSD's typings only know its own event names; raiseEvent itself accepts any name.
  const raise: RaiseEvent = (name, args) => void (viewer.raiseEvent as (n: string, a: object) => boolean)(name, args);
  const { intents, slides, models } = createViewerIntents({
    viewer,
    daemonUrl,
    token,
    http,
    ws,
    store,
    slideView,
    tool,
    raise,
    report,
    suggestionCount: options.suggestionCount ?? 20,
    isDestroyed: () => destroyed,
    confirm: options.confirm ?? ((message) => window.confirm(message)),
  });

  const style = el('style', { text: PANEL_STYLES });
  document.head.append(style);
  cleanups.push(() => style.remove());
  const root = el('div', { class: 'activeseg', 'data-testid': 'activeseg-panels' });
  if (options.container) options.container.append(root);
  else {
    root.classList.add('activeseg-floating');
    viewer.element.append(root);
  }
  cleanups.push(() => root.remove());
  const panels = PANELS.map((create) => create({ intents }));
  root.append(...panels.map((p) => p.element));
  for (const create of VIEWER_PANELS) {
    const panel = create({ intents });
    viewer.element.append(panel.element);
    panels.push(panel);
  }
  const cursor = createBrushCursor({ viewer, imageLayer: () => slideView.imageItem });
  cleanups.push(() => cursor.destroy());
  const adjuster = createSlideAdjuster({ viewer, imageLayer: () => slideView.imageItem });
  cleanups.push(() => adjuster.destroy());
  const statusBar = createStatusBar({ intents });
  (options.statusContainer ?? root).append(statusBar.element);
  panels.push(statusBar);
  cleanups.push(() => {
    for (const p of panels) p.destroy();
  });
  let shownSlideId: string | undefined;
  const render = (state: typeof store.state): void => {
    slideView.sync(state.layers);
    if (state.slide?.id !== shownSlideId) annotationLayer.clear();
    shownSlideId = state.slide?.id;
    // Each section of a volume shows its own annotations.
    annotationLayer.sync(
      state.annotations.filter((a) => (a.z ?? 0) === state.section),
      state.layers.annotations,
    );
    annotationLayer.setHidden(state.editing);
    changesLayer.sync(state.slide, state.changes);
    cursor.sync(state.tool);
    adjuster.sync(state.adjustment);
    for (const p of panels) p.render(state);
  };
  cleanups.push(store.subscribe(render));
  render(store.state);

  cleanups.push(bindKeyboardShortcuts({ target: document, intents }));
  const onZoom = (): void => {
    const image = slideView.imageItem;
    const zoom = image?.viewportToImageZoom(viewer.viewport.getZoom(true));
    store.dispatch({ type: 'view.zoomed', zoom: zoom === undefined ? undefined : Number(zoom.toPrecision(3)) });
  };
  // After each redraw: covers animated zooms, the first fit of a new slide and the zoom buttons alike.
  viewer.addHandler('update-viewport', onZoom);
  cleanups.push(() => viewer.removeHandler('update-viewport', onZoom));
  cleanups.push(bindFileDrop({ element: viewer.element, onFile: intents.openLocalFile }));
  cleanups.push(
    bindCursorTracker({
      viewer,
      imageLayer: () => slideView.imageItem,
      onMove: (pixel) => store.dispatch({ type: 'cursor.moved', pixel }),
    }),
  );
  cleanups.push(
    bindViewportReporter({
      viewer,
      imageLayer: () => slideView.imageItem,
      slideId: () => store.state.slide?.id,
      report: (slideId, region) => ws.viewport(slideId, region),
    }),
  );

  cleanups.push(
    ws.on('message', (message) => {
      const commands = serverMessageCommands(store.state, message);
      store.dispatch({ type: 'server', message });
      for (const command of commands) {
        if (command.type === 'layer.update') {
          const { slide, layers } = store.state;
          if (slide) slideView.update(slide, command.message, layers[command.message.layer]);
        } else if (command.type === 'suggestions.reload') void slides.loadSuggestions().catch(report);
        else if (command.type === 'annotations.reload') void slides.loadAnnotations().catch(report);
        else if (command.type === 'slides.reload') void slides.refreshSlides().catch(report);
        else if (command.type === 'models.reload') void models.loadModels().catch(report);
        else if (command.type === 'overlays.follow') void slides.followCurrentModel().catch(report);
        else void slides.openSlide(command.slideId).catch(report);
      }
    }),
    ws.on('connection', (change) => store.dispatch({ type: 'connection', change })),
    ws.on('invalid-frame', (f) => report(`Ignored a malformed daemon message (${f.reason})`)),
  );

  slides.refreshSlides().catch(report);
  if (options.slideId) slides.openSlide(options.slideId).catch(report);
  return {
    openSlide: (slideId) => slides.openSlide(slideId),
    setLayerOpacity: intents.setLayerOpacity,
    setLayerVisible: intents.setLayerVisible,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      tool.end();
      slideView.clear();
      for (const c of cleanups.reverse()) c();
    },
  };
}
