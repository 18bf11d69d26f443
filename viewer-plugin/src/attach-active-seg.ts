import type { AnnotationAck, ServerMessage, SlideInfo, Suggestion, TileLayer } from '@activeseg/protocol';
import { VIRIDIS } from '@activeseg/shared';
import OpenSeadragon from 'openseadragon';
import { describeError } from './client/describe-error.js';
import { createHttpClient, DaemonError, type FetchLike } from './client/http-client.js';
import type { ReconnectPolicy } from './client/reconnect-policy.js';
import { type ConnectionState, createWsClient, type WebSocketConstructor } from './client/ws-client.js';
import { encodeRle } from './codec/rle.js';
import { readImageFile } from './io/read-image-file.js';
import { createOverlayLayer, type OverlayLayer } from './layers/overlay-layer.js';
import { el } from './panels/el.js';
import { formatJobLine, type JobView, progressFraction } from './panels/format-job.js';
import { legendGradient } from './panels/legend-gradient.js';
import { PANEL_STYLES } from './panels/panel-styles.js';
import { stepIndex } from './panels/suggestion-cursor.js';
import { tileUrl, trimSlash, wsUrl } from './sources/tile-url.js';
import { createAnnotationTool, type ToolName } from './tools/annotation-tool.js';
import { MaskCanvas } from './tools/mask-canvas.js';

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
}

export interface ActiveSegHandle {
  openSlide(slideId: string): Promise<void>;
  setLayerOpacity(layer: TileLayer, opacity: number): void;
  setLayerVisible(layer: TileLayer, visible: boolean): void;
  destroy(): void;
}

/** Viewer events the plugin raises (OSD kebab-case with the `activeseg-` prefix). */
export interface ActiveSegEventMap {
  'activeseg-slide-open': { slide: SlideInfo };
  'activeseg-suggestion-select': { suggestion: Suggestion; index: number };
  'activeseg-tool-change': { tool: ToolName };
  'activeseg-layer-toggle': { layer: TileLayer; visible: boolean };
  'activeseg-annotation-stored': { ack: AnnotationAck };
}

const LAYERS: readonly TileLayer[] = ['image', 'prediction', 'uncertainty'];
const STATE_RANK: Record<JobView['state'], number> = { queued: 0, running: 1, done: 2, failed: 2, cancelled: 2 };
const LAYER_LABELS: Record<TileLayer, string> = {
  image: 'Slide',
  prediction: 'Prediction P(myelin)',
  uncertainty: 'Uncertainty (MC std, √ scale)',
};
/** Legend ticks at 0, ½ and 1 of the bar. The daemon draws uncertainty on a square-root scale, so its middle is ¼. */
const LEGEND_TICKS: Record<Exclude<TileLayer, 'image'>, readonly [string, string, string]> = {
  prediction: ['0', '0.5', '1'],
  uncertainty: ['0', '0.25', '1'],
};

/**
 * Connects an OpenSeadragon viewer to an activeseg daemon: slide + overlay layers as TiledImages, live updates
 * over WS, suggestions, in-place annotation and job progress. Everything it adds (handlers, items, overlays,
 * DOM) is tracked and removed by `destroy()`, so the host viewer is left as it was.
 */
export function attachActiveSeg(viewer: OpenSeadragon.Viewer, options: AttachActiveSegOptions): ActiveSegHandle {
  const daemonUrl = trimSlash(options.daemonUrl);
  const { token } = options;
  const http = createHttpClient({ daemonUrl, token, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const cleanups: (() => void)[] = [];
  const raise = <K extends keyof ActiveSegEventMap>(name: K, args: ActiveSegEventMap[K]): void => {
    // OSD's typings only know its own event names; raiseEvent itself accepts any name.
    (viewer.raiseEvent as (n: string, a: object) => boolean)(name, args);
  };

  // ---- state
  let slide: SlideInfo | undefined;
  let slides: SlideInfo[] = [];
  const layers = new Map<TileLayer, OverlayLayer>();
  const layerPrefs: Record<TileLayer, { opacity: number; visible: boolean }> = {
    image: { opacity: 1, visible: true },
    prediction: { opacity: 0.5, visible: false },
    uncertainty: { opacity: 0.85, visible: true },
  };
  let suggestions: Suggestion[] = [];
  let suggestionsVersion: number | null = null;
  let selected = -1;
  let outline: HTMLElement | undefined;
  let preview: OpenSeadragon.TiledImage | undefined;
  let startFrom: 'empty' | 'prediction' = 'empty';
  let connection: ConnectionState = 'connecting';
  let backend = '…';
  let modelVersion: number | undefined;
  const jobs = new Map<string, JobView>();
  let lastError = '';
  let destroyed = false;

  // ---- DOM
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

  const showError = (err: unknown): void => {
    lastError = err instanceof Error ? err.message : String(err);
    renderStatus();
  };

  // Slides panel
  const slideList = el('ul', { 'data-testid': 'activeseg-slides' });
  const slidesSection = el(
    'section',
    {},
    el('h3', { text: 'Slides' }),
    slideList,
    el('p', { class: 'as-muted', text: 'Drop an image file on the slide to add it.' }),
  );
  const renderSlides = (): void => {
    slideList.replaceChildren(
      ...slides.map((s) => {
        const li = el(
          'li',
          { class: 'as-item', 'aria-selected': s.id === slide?.id ? 'true' : 'false', 'data-slide-id': s.id },
          el('span', { text: s.name }),
          el('span', { class: 'as-muted', text: `${s.width}×${s.height}` }),
        );
        li.addEventListener('click', () => void api.openSlide(s.id).catch(showError));
        return li;
      }),
    );
  };

  // Layers panel
  const layerRows = new Map<TileLayer, { checkbox: HTMLInputElement; slider: HTMLInputElement; note: HTMLElement }>();
  const layersSection = el('section', { 'data-testid': 'activeseg-layers' }, el('h3', { text: 'Layers' }));
  for (const layer of LAYERS) {
    const checkbox = el('input', { type: 'checkbox', 'data-layer': layer });
    const slider = el('input', { type: 'range', min: 0, max: 100, step: 1, 'aria-label': `${layer} opacity` });
    const note = el('span', { class: 'as-muted' });
    checkbox.addEventListener('change', () => api.setLayerVisible(layer, checkbox.checked));
    slider.addEventListener('input', () => api.setLayerOpacity(layer, Number(slider.value) / 100));
    const block = el('div', {}, el('label', { class: 'as-row' }, checkbox, LAYER_LABELS[layer], note), slider);
    if (layer !== 'image') {
      block.append(
        el('div', { class: 'as-legend', style: `background: ${legendGradient(VIRIDIS)}` }),
        el('div', { class: 'as-legend-scale' }, ...LEGEND_TICKS[layer].map((text) => el('span', { text }))),
      );
    }
    layersSection.append(block);
    layerRows.set(layer, { checkbox, slider, note });
  }
  const renderLayers = (): void => {
    for (const layer of LAYERS) {
      const row = layerRows.get(layer)!;
      row.checkbox.checked = layerPrefs[layer].visible;
      row.slider.value = String(Math.round(layerPrefs[layer].opacity * 100));
      const l = layers.get(layer);
      row.note.textContent = layer === 'image' ? '' : l ? `model v${l.modelVersion}` : 'no inference yet';
    }
  };

  // Suggestions panel
  const suggestionList = el('ul', { 'data-testid': 'activeseg-suggestions' });
  const suggestionsNote = el('p', { class: 'as-muted' });
  const suggestionsSection = el(
    'section',
    {},
    el('h3', { text: 'Suggestions (n / p)' }),
    suggestionsNote,
    suggestionList,
  );
  const renderSuggestions = (): void => {
    suggestionsNote.textContent = !slide
      ? 'Open a slide.'
      : suggestionsVersion === null
        ? 'No inference on this slide yet: run inference in Jobs.'
        : `${suggestions.length} most informative patches (model v${suggestionsVersion}); score: ${
            suggestions.length ? `${suggestions.at(-1)!.score.toFixed(3)}–${suggestions[0]!.score.toFixed(3)}` : '–'
          }`;
    suggestionList.replaceChildren(
      ...suggestions.map((s, i) => {
        const li = el(
          'li',
          { class: 'as-item', 'aria-selected': i === selected ? 'true' : 'false', 'data-index': i },
          el('span', { text: `#${i + 1} patch ${s.patch.col},${s.patch.row}` }),
          el('span', { class: 'as-muted', text: s.score.toFixed(3) }),
        );
        li.addEventListener('click', () => void selectSuggestion(i));
        return li;
      }),
    );
  };

  // Annotation panel
  const toolButtons = new Map<ToolName, HTMLButtonElement>();
  const toolRow = el('div', { class: 'as-row' });
  for (const [name, label] of [
    ['pan', 'Pan'],
    ['brush', 'Brush (b)'],
    ['eraser', 'Eraser (e)'],
    ['polygon', 'Polygon (g)'],
  ] as const) {
    const b = el('button', { type: 'button', 'data-tool': name, text: label });
    b.addEventListener('click', () => setTool(name));
    toolButtons.set(name, b);
    toolRow.append(b);
  }
  const radiusInput = el('input', { type: 'range', min: 1, max: 96, value: 12, 'aria-label': 'brush radius' });
  const radiusLabel = el('span', { class: 'as-muted' });
  radiusInput.addEventListener('input', () => tool.setRadius(Number(radiusInput.value)));
  const startSelect = el(
    'select',
    { 'aria-label': 'start from' },
    el('option', { value: 'empty', text: 'Start empty' }),
    el('option', { value: 'prediction', text: 'Start from prediction' }),
  );
  startSelect.addEventListener('change', () => {
    startFrom = startSelect.value === 'prediction' ? 'prediction' : 'empty';
  });
  const undoBtn = el('button', { type: 'button', text: 'Undo' });
  const redoBtn = el('button', { type: 'button', text: 'Redo' });
  const closePolyBtn = el('button', { type: 'button', text: 'Close polygon' });
  const submitBtn = el('button', { type: 'button', 'data-testid': 'activeseg-submit', text: 'Submit' });
  const skipBtn = el('button', { type: 'button', text: 'Skip' });
  const annotateHereBtn = el('button', { type: 'button', text: 'Annotate view centre' });
  const annotationStatus = el('p', { class: 'as-muted', 'data-testid': 'activeseg-annotation-status' });
  undoBtn.addEventListener('click', () => tool.undo());
  redoBtn.addEventListener('click', () => tool.redo());
  closePolyBtn.addEventListener('click', () => tool.closePolygon());
  submitBtn.addEventListener('click', () => void submit());
  skipBtn.addEventListener('click', () => skip());
  annotateHereBtn.addEventListener('click', () => void annotateViewCentre().catch(showError));
  const annotationSection = el(
    'section',
    { 'data-testid': 'activeseg-annotation' },
    el('h3', { text: 'Annotate' }),
    toolRow,
    el('label', { class: 'as-row' }, 'Radius', radiusInput, radiusLabel),
    el('div', { class: 'as-row' }, startSelect, annotateHereBtn),
    el('div', { class: 'as-row' }, undoBtn, redoBtn, closePolyBtn),
    el('div', { class: 'as-row' }, submitBtn, skipBtn),
    annotationStatus,
  );
  const renderAnnotation = (): void => {
    for (const [name, b] of toolButtons) b.setAttribute('aria-pressed', String(tool.tool === name));
    radiusLabel.textContent = `${tool.radius} px`;
    undoBtn.disabled = !tool.canUndo;
    redoBtn.disabled = !tool.canRedo;
    submitBtn.disabled = !tool.active;
    skipBtn.disabled = !tool.active && selected < 0;
    closePolyBtn.disabled = !tool.active || tool.tool !== 'polygon';
    annotateHereBtn.disabled = !slide;
  };

  // Jobs panel
  const jobsList = el('div', { 'data-testid': 'activeseg-jobs' });
  const inferBtn = el('button', { type: 'button', text: 'Run inference' });
  const trainBtn = el('button', { type: 'button', text: 'Train (fine-tune)' });
  inferBtn.addEventListener('click', () => {
    if (!slide) return;
    http
      .startJob({ kind: 'infer', slideId: slide.id, acquisition: 'uncertainty' })
      .then(upsertJobInfo)
      .catch(showError);
  });
  trainBtn.addEventListener('click', () => {
    http.startJob({ kind: 'train', mode: 'finetune' }).then(upsertJobInfo).catch(showError);
  });
  const jobsSection = el(
    'section',
    {},
    el('h3', { text: 'Jobs' }),
    el('div', { class: 'as-row' }, inferBtn, trainBtn),
    jobsList,
  );
  const upsertJobInfo = (info: {
    id: string;
    kind: JobView['kind'];
    state: JobView['state'];
    progress: { done: number; total: number };
  }) => {
    const prev = jobs.get(info.id);
    // An HTTP answer can arrive after the WS frames that already moved the job on (a job that fails at once):
    // never let it take the job back to an earlier state.
    if (prev && STATE_RANK[prev.state] > STATE_RANK[info.state]) return;
    jobs.set(info.id, { ...prev, jobId: info.id, kind: info.kind, state: info.state, ...info.progress });
    renderJobs();
  };
  const renderJobs = (): void => {
    const recent = [...jobs.values()].slice(-6).reverse();
    jobsList.replaceChildren(
      ...recent.map((job) => {
        const cancel = el('button', { type: 'button', text: 'Cancel' });
        cancel.addEventListener('click', () => {
          if (!ws.send({ type: 'job.cancel', jobId: job.jobId }))
            http.cancelJob(job.jobId).then(upsertJobInfo).catch(showError);
        });
        return el(
          'div',
          { 'data-job-id': job.jobId, 'data-state': job.state },
          el(
            'div',
            { class: 'as-progress' },
            el('div', { style: `width: ${Math.round(progressFraction(job) * 100)}%` }),
          ),
          el(
            'div',
            { class: 'as-row' },
            el('span', { class: job.state === 'failed' ? 'as-error' : 'as-muted', text: formatJobLine(job) }),
            (job.state === 'running' || job.state === 'queued') && cancel,
          ),
        );
      }),
    );
    renderStatus();
  };

  // Status bar
  const status = el('div', { class: 'activeseg-status', 'data-testid': 'activeseg-status' });
  (options.statusContainer ?? root).append(status);
  cleanups.push(() => status.remove());
  const renderStatus = (): void => {
    const running = [...jobs.values()].filter((j) => j.state === 'running' || j.state === 'queued').length;
    status.replaceChildren(
      el('span', { 'data-connection': connection, text: `● ${connection}` }),
      el('span', { text: `backend ${backend}` }),
      el('span', { text: `model ${modelVersion === undefined ? '–' : `v${modelVersion}`}` }),
      el('span', { text: `${running} job${running === 1 ? '' : 's'} running` }),
      lastError && el('span', { class: 'as-error', 'data-testid': 'activeseg-error', text: lastError }),
    );
  };

  root.append(slidesSection, layersSection, suggestionsSection, annotationSection, jobsSection);

  // ---- annotation tool
  const tool = createAnnotationTool({
    viewer,
    imageLayer: () => layers.get('image')?.tiledImage,
    onChange: () => renderAnnotation(),
  });
  cleanups.push(() => tool.destroy());
  const setTool = (name: ToolName): void => {
    tool.setTool(name);
    raise('activeseg-tool-change', { tool: name });
  };

  // ---- layers
  const addLayer = (layer: TileLayer, version: number | undefined): OverlayLayer | undefined => {
    if (!slide) return undefined;
    layers.get(layer)?.destroy();
    const image = layers.get('image')?.tiledImage;
    const l = createOverlayLayer({
      viewer,
      daemonUrl,
      token,
      slide,
      layer,
      ...(version === undefined ? {} : { modelVersion: version }),
      opacity: layerPrefs[layer].opacity,
      visible: layerPrefs[layer].visible,
      // Image at the bottom, prediction under uncertainty.
      index:
        layer === 'image' ? 0 : layer === 'prediction' && image ? viewer.world.getIndexOfItem(image) + 1 : undefined,
      onError: showError,
    });
    layers.set(layer, l);
    renderLayers();
    return l;
  };
  const clearSlideView = (): void => {
    tool.end();
    for (const l of layers.values()) l.destroy();
    layers.clear();
    removeOutline();
    if (preview) {
      viewer.world.removeItem(preview);
      preview = undefined;
    }
  };

  // ---- suggestions
  const removeOutline = (): void => {
    if (outline) viewer.removeOverlay(outline);
    outline = undefined;
  };
  const loadSuggestions = async (): Promise<void> => {
    if (!slide) return;
    const id = slide.id;
    const list = await http.listSuggestions({ slideId: id, k: options.suggestionCount ?? 20 });
    if (slide?.id !== id) return;
    suggestions = list.suggestions;
    suggestionsVersion = list.modelVersion;
    selected = -1;
    renderSuggestions();
  };
  const regionOf = (s: Suggestion) => {
    // Edge patches extend past the slide; the daemon only accepts regions inside it.
    const x = s.patch.x;
    const y = s.patch.y;
    return {
      x,
      y,
      width: Math.max(1, Math.min(s.patch.size, (slide?.width ?? 0) - x)),
      height: Math.max(1, Math.min(s.patch.size, (slide?.height ?? 0) - y)),
    };
  };
  const selectSuggestion = async (index: number): Promise<void> => {
    const s = suggestions[index];
    const image = layers.get('image')?.tiledImage;
    if (!s || !image) return;
    selected = index;
    renderSuggestions();
    const region = regionOf(s);
    const rect = image.imageToViewportRectangle(region.x, region.y, region.width, region.height);
    // Leave a margin around the patch so its context is visible.
    viewer.viewport.fitBounds(
      new OpenSeadragon.Rect(
        rect.x - rect.width * 0.25,
        rect.y - rect.height * 0.25,
        rect.width * 1.5,
        rect.height * 1.5,
      ),
    );
    removeOutline();
    outline = el('div', { class: 'activeseg-outline', 'data-testid': 'activeseg-outline' });
    viewer.addOverlay({ element: outline, location: rect });
    raise('activeseg-suggestion-select', { suggestion: s, index });
    annotationStatus.textContent = '';
    await beginAnnotation(region).catch(showError);
  };
  const step = (dir: 1 | -1): void => {
    const next = stepIndex(selected, dir, suggestions.length);
    if (next >= 0) void selectSuggestion(next);
  };

  // ---- annotation
  const predictionMask = async (region: { x: number; y: number; width: number; height: number }) => {
    const l = layers.get('prediction');
    if (!slide || !l) throw new Error('No prediction yet for this slide: run inference first');
    // Full-resolution prediction tiles carry P(myelin) in their alpha channel (the daemon renders alpha = value),
    // which is exact enough to threshold at 0.5 without a dedicated probability route.
    const top = slide.levels - 1;
    const ts = slide.tileSize;
    const canvas = document.createElement('canvas');
    canvas.width = region.width;
    canvas.height = region.height;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('canvas 2D is not available');
    const jobsToLoad: Promise<void>[] = [];
    for (let row = Math.floor(region.y / ts); row * ts < region.y + region.height; row++) {
      for (let col = Math.floor(region.x / ts); col * ts < region.x + region.width; col++) {
        const url = tileUrl({
          daemonUrl,
          token,
          slideId: slide.id,
          layer: 'prediction',
          level: top,
          col,
          row,
          modelVersion: l.modelVersion,
        });
        jobsToLoad.push(
          fetch(url)
            .then((r) => {
              if (!r.ok) throw new Error(`prediction tile ${col},${row}: HTTP ${r.status}`);
              return r.blob();
            })
            .then((b) => createImageBitmap(b))
            .then((bmp) => ctx.drawImage(bmp, col * ts - region.x, row * ts - region.y)),
        );
      }
    }
    await Promise.all(jobsToLoad);
    const rgba = ctx.getImageData(0, 0, region.width, region.height).data;
    const alpha = new Uint8Array(region.width * region.height);
    for (let i = 0; i < alpha.length; i++) alpha[i] = rgba[i * 4 + 3]!;
    return MaskCanvas.fromProbabilities(region, alpha, { scale: 255 });
  };
  const beginAnnotation = async (region: { x: number; y: number; width: number; height: number }) => {
    const initial = startFrom === 'prediction' ? await predictionMask(region) : undefined;
    tool.begin(region, initial);
    if (tool.tool === 'pan') setTool('brush');
  };
  const annotateViewCentre = async (): Promise<void> => {
    const image = layers.get('image')?.tiledImage;
    if (!slide || !image) return;
    const c = image.viewportToImageCoordinates(viewer.viewport.getCenter());
    const size = suggestions[0]?.patch.size ?? 512;
    const x = Math.max(0, Math.floor(c.x / size) * size);
    const y = Math.max(0, Math.floor(c.y / size) * size);
    await beginAnnotation({
      x,
      y,
      width: Math.max(1, Math.min(size, slide.width - x)),
      height: Math.max(1, Math.min(size, slide.height - y)),
    });
  };
  const submit = async (): Promise<void> => {
    const mask = tool.mask;
    if (!slide || !mask) return;
    const request = {
      slideId: slide.id,
      region: mask.region,
      mask: encodeRle(mask.data),
      clientId: crypto.randomUUID(),
    };
    submitBtn.disabled = true;
    annotationStatus.className = 'as-muted';
    annotationStatus.textContent = 'Sending…';
    try {
      let ack: AnnotationAck;
      try {
        ack = await http.submitAnnotation(request);
      } catch (err) {
        // Lost connection: the same clientId makes the retry idempotent, so a duplicate can never be stored.
        if (err instanceof DaemonError && err.code === undefined && err.status === undefined) {
          ack = await http.submitAnnotation(request);
        } else throw err;
      }
      annotationStatus.className = 'as-ok';
      annotationStatus.textContent = `Stored ✓ ${ack.id} (${ack.patches.length} patch${ack.patches.length === 1 ? '' : 'es'})`;
      raise('activeseg-annotation-stored', { ack });
      tool.end();
      removeOutline();
      await loadSuggestions().catch(showError);
    } catch (err) {
      annotationStatus.className = 'as-error';
      annotationStatus.textContent = err instanceof Error ? err.message : String(err);
      renderAnnotation();
    }
  };
  const skip = (): void => {
    tool.end();
    removeOutline();
    step(1);
  };

  // ---- keyboard
  const onKey = (e: KeyboardEvent): void => {
    const target = e.target as HTMLElement | null;
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) && (target as HTMLInputElement).type !== 'range')
      return;
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === 'z') {
      e.preventDefault();
      if (e.shiftKey) tool.redo();
      else tool.undo();
      return;
    }
    if (mod && e.key.toLowerCase() === 'y') {
      e.preventDefault();
      tool.redo();
      return;
    }
    if (mod || e.altKey) return;
    const actions: Record<string, () => void> = {
      n: () => step(1),
      p: () => step(-1),
      b: () => setTool('brush'),
      e: () => setTool('eraser'),
      g: () => setTool('polygon'),
      Enter: () => tool.closePolygon(),
      Escape: () => tool.cancelPolygon(),
    };
    const action = actions[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  };
  document.addEventListener('keydown', onKey);
  cleanups.push(() => document.removeEventListener('keydown', onKey));

  // ---- drag and drop of local images
  const onDragOver = (e: DragEvent): void => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    viewer.element.classList.add('activeseg-drop');
  };
  const onDragLeave = (): void => viewer.element.classList.remove('activeseg-drop');
  const onDrop = (e: DragEvent): void => {
    viewer.element.classList.remove('activeseg-drop');
    const file = e.dataTransfer?.files[0];
    if (!file) return;
    e.preventDefault();
    void openLocalFile(file).catch(showError);
  };
  viewer.element.addEventListener('dragover', onDragOver);
  viewer.element.addEventListener('dragleave', onDragLeave);
  viewer.element.addEventListener('drop', onDrop);
  cleanups.push(() => {
    viewer.element.removeEventListener('dragover', onDragOver);
    viewer.element.removeEventListener('dragleave', onDragLeave);
    viewer.element.removeEventListener('drop', onDrop);
    viewer.element.classList.remove('activeseg-drop');
  });
  const openLocalFile = async (file: File): Promise<void> => {
    lastError = '';
    annotationStatus.textContent = `Reading ${file.name}…`;
    const img = await readImageFile(file, {
      pipelinesBaseUrl: `${daemonUrl}/vendor/image-io/pipelines`,
      pipelineWorkerUrl: `${daemonUrl}/vendor/itk-wasm/itk-wasm-pipeline.min.worker.js`,
    });
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    canvas.getContext('2d')?.putImageData(new ImageData(img.rgba, img.width, img.height), 0, 0);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) throw new Error(`${file.name}: cannot render a preview`);
    const url = URL.createObjectURL(blob);
    clearSlideView();
    slide = undefined;
    suggestions = [];
    renderSuggestions();
    await new Promise<void>((resolve, reject) =>
      viewer.addTiledImage({
        tileSource: { type: 'image', url },
        success: (ev) => {
          preview = (ev as unknown as { item: OpenSeadragon.TiledImage }).item;
          resolve();
        },
        error: (err) => reject(err),
      }),
    );
    URL.revokeObjectURL(url);
    viewer.viewport.goHome(true);
    annotationStatus.textContent = `Uploading ${file.name}…`;
    const info = await http.uploadSlide(file, { name: file.name });
    annotationStatus.textContent = `${file.name} added as ${info.id}`;
    await refreshSlides();
    await api.openSlide(info.id);
  };

  const refreshSlides = async (): Promise<void> => {
    slides = (await http.listSlides()).slides;
    renderSlides();
  };

  // ---- live updates
  const ws = createWsClient({
    url: wsUrl({ daemonUrl, token }),
    ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
    ...(options.reconnectPolicy ? { policy: options.reconnectPolicy } : {}),
    ...(options.slideId ? { slideIds: [options.slideId] } : {}),
  });
  cleanups.push(() => ws.close());
  const onMessage = (msg: ServerMessage): void => {
    switch (msg.type) {
      case 'welcome':
        backend = msg.backend;
        modelVersion = msg.modelVersion;
        renderStatus();
        return;
      case 'job.progress': {
        const prev = jobs.get(msg.jobId);
        jobs.set(msg.jobId, {
          ...prev,
          jobId: msg.jobId,
          kind: msg.kind,
          state: 'running',
          done: msg.done,
          total: msg.total,
          etaMs: msg.etaMs,
          ...(msg.detail ? { epoch: msg.detail.epoch, loss: msg.detail.loss, valDice: msg.detail.valDice } : {}),
        });
        renderJobs();
        return;
      }
      case 'job.state': {
        const prev = jobs.get(msg.jobId);
        jobs.set(msg.jobId, {
          done: 0,
          total: 0,
          ...prev,
          jobId: msg.jobId,
          kind: msg.kind,
          state: msg.state,
          error: msg.error ? describeError(msg.error.code, { detail: msg.error.message }) : undefined,
        });
        if (msg.modelVersion !== undefined) modelVersion = msg.modelVersion;
        renderJobs();
        return;
      }
      case 'tiles.updated': {
        if (msg.slideId !== slide?.id || msg.layer === 'image') return;
        const existing = layers.get(msg.layer);
        if (existing) existing.applyUpdate(msg);
        else addLayer(msg.layer, msg.modelVersion);
        renderLayers();
        return;
      }
      case 'suggestions.updated':
        // Do not pull the list out from under someone who is painting.
        if (msg.slideId === slide?.id && !tool.active) void loadSuggestions().catch(showError);
        return;
      case 'error':
        showError(describeError(msg.code, { detail: msg.message }));
        return;
      case 'resync':
        // Missed broadcasts are gone: reload everything that they could have changed.
        if (slide) void api.openSlide(slide.id).catch(showError);
        return;
    }
  };
  cleanups.push(ws.on('message', onMessage));
  cleanups.push(
    ws.on('connection', (c) => {
      connection = c.state;
      if (c.state === 'failed' && c.reason) lastError = c.reason;
      renderStatus();
    }),
  );
  cleanups.push(ws.on('invalid-frame', (f) => showError(`Ignored a malformed daemon message (${f.reason})`)));

  const api: ActiveSegHandle = {
    async openSlide(slideId) {
      if (destroyed) return;
      const info = await http.getSlide(slideId);
      clearSlideView();
      slide = info;
      lastError = '';
      ws.subscribe([info.id]);
      renderSlides();
      const image = addLayer('image', undefined);
      await image?.ready;
      viewer.viewport.goHome(true);
      await loadSuggestions();
      if (suggestionsVersion !== null) {
        addLayer('prediction', suggestionsVersion);
        addLayer('uncertainty', suggestionsVersion);
      }
      renderLayers();
      renderAnnotation();
      raise('activeseg-slide-open', { slide: info });
    },
    setLayerOpacity(layer, opacity) {
      layerPrefs[layer].opacity = Math.min(1, Math.max(0, opacity));
      layers.get(layer)?.setOpacity(layerPrefs[layer].opacity);
      renderLayers();
    },
    setLayerVisible(layer, visible) {
      layerPrefs[layer].visible = visible;
      layers.get(layer)?.setVisible(visible);
      raise('activeseg-layer-toggle', { layer, visible });
      renderLayers();
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      clearSlideView();
      for (const c of cleanups.reverse()) c();
    },
  };

  renderSlides();
  renderLayers();
  renderSuggestions();
  renderAnnotation();
  renderJobs();
  refreshSlides().catch(showError);
  if (options.slideId) api.openSlide(options.slideId).catch(showError);
  return api;
}
