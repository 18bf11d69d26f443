import type {
  AnnotationSummary,
  ErrorCode,
  JobInfo,
  JobKind,
  JobState,
  LearningReport,
  ModelList,
  ModelVersionInfo,
  PatchHold,
  ServerMessage,
  SlideAnnotationList,
  SlideInfo,
  Suggestion,
  SuggestionList,
  TileLayer,
  TrainMode,
} from '@activeseg/protocol';
import type { ConnectionChange, ConnectionState } from '../client/ws-client.js';
import { type Adjustment, NEUTRAL_ADJUSTMENT } from '../layers/tone-curve.js';
import type { ToolName } from '../tools/annotation-tool.js';

export const TILE_LAYERS: readonly TileLayer[] = ['image', 'prediction', 'uncertainty'];

/** Every layer the Layers panel lists: the tile layers and the stored annotations (drawn from their masks). */
export type LayerName = TileLayer | 'annotations';
export const LAYER_NAMES: readonly LayerName[] = [...TILE_LAYERS, 'annotations'];

/** What the viewer knows about one job, folded from `job.progress` and `job.state` frames. */
export interface JobView {
  jobId: string;
  kind: JobKind;
  state: JobState;
  done: number;
  total: number;
  etaMs?: number | undefined;
  /** Known for jobs this page started (the daemon's job frames do not name the slide). */
  slideId?: string | undefined;
  mode?: TrainMode | undefined;
  epoch?: number | undefined;
  loss?: number | undefined;
  valDice?: number | undefined;
  error?: string | undefined;
  /** A done job with something to tell (its trained model was kept aside, not made current). */
  warning?: string | undefined;
}

export interface LayerView {
  /** 0–1, kept while the layer is hidden. */
  readonly opacity: number;
  readonly visible: boolean;
  /** Model version the overlay shows; undefined while the slide has none (and always for `image`). */
  readonly modelVersion: number | undefined;
}

/** Two model versions whose predictions the "what changed" layer compares (`from` → `to`). */
export interface ModelChanges {
  readonly from: number;
  readonly to: number;
}

/** What the panels show of the annotation tool; the tool itself (canvases on the viewer) stays outside the state. */
export interface ToolView {
  readonly tool: ToolName;
  readonly radius: number;
  /** A region is being edited. */
  readonly active: boolean;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  /** Space is held: the view pans whatever the tool. */
  readonly panHeld: boolean;
}

export interface ConnectionView {
  readonly state: ConnectionState;
  /** Why the connection failed for good, when the daemon said (`UNAUTHORIZED`, `PROTOCOL_MISMATCH`). */
  readonly code?: ErrorCode | undefined;
}

export interface Notice {
  /** `busy`: a request is in flight (reading, uploading, sending) and must not be started twice. */
  readonly tone: 'muted' | 'busy' | 'ok' | 'error';
  readonly text: string;
}

export type StartFrom = 'empty' | 'prediction';

/** A dropped file on its way to the daemon (the progress bar over the viewer). */
export interface UploadView {
  readonly name: string;
  readonly sentBytes: number;
  readonly totalBytes: number;
  /** `ingesting`: every byte is sent and the daemon is checking (and maybe converting) the file. */
  readonly phase: 'sending' | 'ingesting';
}

/** A whole level-0 image pixel (column, row), counted as the daemon, annotations and exports count them. */
export interface ImagePixel {
  readonly x: number;
  readonly y: number;
}

/**
 * Everything the panels render, in one serialisable object. OSD objects, sockets and canvases live outside it;
 * they follow it (wiring) or feed it (actions).
 */
export interface ViewerState {
  readonly connection: ConnectionView;
  readonly backend: string;
  /** The daemon's current model version (from `welcome`, `model.current`, promoted train jobs and the model list). */
  readonly modelVersion: number | undefined;
  /** Every model version, oldest first (`GET /api/models`); empty until listed. */
  readonly models: readonly ModelVersionInfo[];
  /** The "what changed" layer's pair of versions on the open slide; undefined while it is off. */
  readonly changes: ModelChanges | undefined;
  readonly slides: readonly SlideInfo[];
  readonly slide: SlideInfo | undefined;
  readonly layers: Readonly<Record<LayerName, LayerView>>;
  /** The open slide's current annotations (the Annotations panel and layer). */
  readonly annotations: readonly AnnotationSummary[];
  /** The stored annotation loaded into the editor; a submit then stores its next version. */
  readonly editing: string | undefined;
  /** This tab's name in patch holds (random per page). */
  readonly holderId: string;
  /** Patches of the open slide that other tabs are editing. */
  readonly holds: readonly PatchHold[];
  readonly suggestions: readonly Suggestion[];
  /** Model version the suggestions came from; null when inference never ran on the open slide. */
  readonly suggestionsVersion: number | null;
  /** Index into `suggestions`, -1 for none. */
  readonly selected: number;
  /** In the order the viewer first heard of them. */
  readonly jobs: readonly JobView[];
  readonly tool: ToolView;
  readonly startFrom: StartFrom;
  readonly annotationStatus: Notice;
  /** The `?` overlay listing every shortcut is shown. */
  readonly helpOpen: boolean;
  /** Brightness/contrast/gamma of the open slide's image layer (display only). */
  readonly adjustment: Adjustment;
  /** Screen pixels per level-0 image pixel (1 = full resolution); undefined while no slide is shown. */
  readonly zoom: number | undefined;
  /** The latest error worth showing in the status bar; '' for none. */
  readonly lastError: string;
  /** The upload in flight, if any. */
  readonly upload: UploadView | undefined;
  /** What annotating has bought on the open slide (`GET /api/learning`); undefined until loaded. */
  readonly learning: LearningReport | undefined;
  /** Section of a volume shown (0-based; always 0 for a 2D slide). */
  readonly section: number;
  /** The open slide's pixel under the pointer; undefined while the pointer is off the slide. */
  readonly cursor: ImagePixel | undefined;
}

/** Everything that changes the state: server frames, answers to HTTP calls, and what the person did. */
export type ViewerAction =
  | { type: 'server'; message: ServerMessage }
  | { type: 'connection'; change: ConnectionChange }
  | { type: 'error'; message: string }
  | { type: 'slides.listed'; slides: readonly SlideInfo[] }
  /** `adjustment`: what this browser remembered for the slide. */
  | { type: 'slide.opened'; slide: SlideInfo; adjustment?: Adjustment }
  | { type: 'adjustment.changed'; adjustment: Adjustment }
  /** A local file is shown as a preview: no daemon slide is open until its upload is done. */
  | { type: 'slide.closed' }
  | { type: 'upload.progress'; upload: UploadView }
  | { type: 'upload.ended' }
  | { type: 'suggestions.loaded'; list: SuggestionList }
  | { type: 'models.listed'; list: ModelList }
  | { type: 'changes.shown'; changes: ModelChanges | undefined }
  | { type: 'suggestion.selected'; index: number }
  | { type: 'layer.shown'; layer: TileLayer; modelVersion: number | undefined }
  | { type: 'layer.opacity'; layer: LayerName; opacity: number }
  | { type: 'layer.visible'; layer: LayerName; visible: boolean }
  | { type: 'annotations.loaded'; list: SlideAnnotationList }
  | { type: 'annotation.editing'; annotationId: string | undefined }
  | {
      type: 'job.info';
      info: Pick<JobInfo, 'id' | 'kind' | 'state' | 'progress'>;
      /** What the page asked for, when it started the job. */
      started?: { slideId?: string; mode?: TrainMode };
    }
  | { type: 'tool.changed'; tool: ToolView }
  | { type: 'start-from.changed'; startFrom: StartFrom }
  | { type: 'annotation.status'; notice: Notice }
  | { type: 'help.toggled'; open?: boolean }
  | { type: 'view.zoomed'; zoom: number | undefined }
  | { type: 'cursor.moved'; pixel: ImagePixel | undefined }
  | { type: 'learning.loaded'; report: LearningReport }
  /** Show section `z` of the open volume (clamped to its sections). */
  | { type: 'section.changed'; z: number };

export interface InitialViewerStateOptions {
  tool?: ToolView;
  /** This tab's holder id in patch holds; default ''. */
  holderId?: string;
}

export function initialViewerState(options: InitialViewerStateOptions = {}): ViewerState {
  return {
    connection: { state: 'connecting' },
    backend: '…',
    modelVersion: undefined,
    models: [],
    changes: undefined,
    slides: [],
    slide: undefined,
    layers: {
      image: { opacity: 1, visible: true, modelVersion: undefined },
      prediction: { opacity: 0.5, visible: false, modelVersion: undefined },
      uncertainty: { opacity: 0.85, visible: true, modelVersion: undefined },
      annotations: { opacity: 0.6, visible: true, modelVersion: undefined },
    },
    annotations: [],
    editing: undefined,
    holderId: options.holderId ?? '',
    holds: [],
    suggestions: [],
    suggestionsVersion: null,
    selected: -1,
    jobs: [],
    tool: options.tool ?? {
      tool: 'brush',
      radius: 12,
      active: false,
      canUndo: false,
      canRedo: false,
      panHeld: false,
    },
    startFrom: 'empty',
    annotationStatus: { tone: 'muted', text: '' },
    helpOpen: false,
    zoom: undefined,
    adjustment: NEUTRAL_ADJUSTMENT,
    lastError: '',
    upload: undefined,
    learning: undefined,
    section: 0,
    cursor: undefined,
  };
}

/** Replaces the job with `jobId` in place (keeping list order), or appends it. */
export function upsertJob(
  jobs: readonly JobView[],
  jobId: string,
  update: (prev: JobView | undefined) => JobView,
): readonly JobView[] {
  const i = jobs.findIndex((j) => j.jobId === jobId);
  if (i < 0) return [...jobs, update(undefined)];
  const next = [...jobs];
  next[i] = update(jobs[i]);
  return next;
}

export function withLayer(state: ViewerState, layer: LayerName, change: Partial<LayerView>): ViewerState {
  return { ...state, layers: { ...state.layers, [layer]: { ...state.layers[layer], ...change } } };
}
