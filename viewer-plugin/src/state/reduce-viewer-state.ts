import { sectionCount } from '@activeseg/protocol';
import { describeError } from '../client/describe-error.js';
import { NEUTRAL_ADJUSTMENT, normalizeAdjustment } from '../layers/tone-curve.js';
import { applyServerMessage } from './apply-server-message.js';
import {
  type JobView,
  TILE_LAYERS,
  upsertJob,
  type ViewerAction,
  type ViewerState,
  withLayer,
} from './viewer-state.js';

const STATE_RANK: Record<JobView['state'], number> = { queued: 0, running: 1, done: 2, failed: 2, cancelled: 2 };

/** The viewer's one reducer: pure, so any screen can be rebuilt from the actions that led to it. */
export function reduceViewerState(state: ViewerState, action: ViewerAction): ViewerState {
  switch (action.type) {
    case 'server':
      return applyServerMessage(state, action.message);
    case 'connection': {
      const { change } = action;
      const connection = { state: change.state, ...(change.code ? { code: change.code } : {}) };
      if (change.state !== 'failed') return { ...state, connection };
      const why = change.code ? describeError(change.code) : change.reason;
      return { ...state, connection, lastError: why ?? state.lastError };
    }
    case 'error':
      return { ...state, lastError: action.message };
    case 'slides.listed':
      return { ...state, slides: action.slides };
    case 'slide.opened': {
      let next: ViewerState = {
        ...state,
        slide: action.slide,
        adjustment: action.adjustment ?? NEUTRAL_ADJUSTMENT,
        changes: undefined,
        lastError: '',
        annotations: action.slide.id === state.slide?.id ? state.annotations : [],
        editing: undefined,
        holds: action.slide.id === state.slide?.id ? state.holds : [],
        learning: undefined,
        section: 0,
        cursor: undefined,
      };
      for (const layer of TILE_LAYERS) next = withLayer(next, layer, { modelVersion: undefined });
      return next;
    }
    case 'slide.closed': {
      let next: ViewerState = {
        ...state,
        slide: undefined,
        suggestions: [],
        selected: -1,
        changes: undefined,
        lastError: '',
        annotations: [],
        editing: undefined,
        holds: [],
        learning: undefined,
        cursor: undefined,
      };
      for (const layer of TILE_LAYERS) next = withLayer(next, layer, { modelVersion: undefined });
      return next;
    }
    case 'suggestions.loaded':
      // An answer for a slide that is no longer open is stale.
      if (action.list.slideId !== state.slide?.id) return state;
      return {
        ...state,
        suggestions: action.list.suggestions,
        suggestionsVersion: action.list.modelVersion,
        selected: -1,
      };
    case 'changes.shown':
      return { ...state, changes: action.changes };
    case 'models.listed':
      return { ...state, models: action.list.versions, modelVersion: action.list.current };
    case 'suggestion.selected':
      return action.index >= 0 && action.index < state.suggestions.length
        ? { ...state, selected: action.index }
        : state;
    case 'layer.shown':
      return withLayer(state, action.layer, { modelVersion: action.modelVersion });
    case 'layer.opacity':
      return withLayer(state, action.layer, { opacity: Math.min(1, Math.max(0, action.opacity)) });
    case 'layer.visible':
      return withLayer(state, action.layer, { visible: action.visible });
    case 'job.info': {
      const { info } = action;
      const prev = state.jobs.find((j) => j.jobId === info.id);
      // An HTTP answer can arrive after the WS frames that already moved the job on (a job that fails at once):
      // never let it take the job back to an earlier state.
      if (prev && STATE_RANK[prev.state] > STATE_RANK[info.state]) return state;
      return {
        ...state,
        jobs: upsertJob(state.jobs, info.id, (p) => ({
          ...p,
          jobId: info.id,
          kind: info.kind,
          state: info.state,
          ...info.progress,
          ...action.started,
        })),
      };
    }
    case 'annotations.loaded':
      if (action.list.slideId !== state.slide?.id) return state;
      return { ...state, annotations: action.list.annotations };
    case 'annotation.editing':
      return action.annotationId === state.editing ? state : { ...state, editing: action.annotationId };
    case 'tool.changed':
      return { ...state, tool: action.tool };
    case 'start-from.changed':
      return { ...state, startFrom: action.startFrom };
    case 'annotation.status':
      return { ...state, annotationStatus: action.notice };
    case 'help.toggled':
      return { ...state, helpOpen: action.open ?? !state.helpOpen };
    case 'adjustment.changed':
      return { ...state, adjustment: normalizeAdjustment(action.adjustment) };
    case 'view.zoomed':
      return action.zoom === state.zoom ? state : { ...state, zoom: action.zoom };
    case 'cursor.moved': {
      // Most pointer moves stay on the same pixel (zoomed in) or off the slide: nothing to render then.
      const { pixel } = action;
      const same =
        pixel === undefined ? state.cursor === undefined : pixel.x === state.cursor?.x && pixel.y === state.cursor.y;
      return same ? state : { ...state, cursor: pixel };
    }
    case 'upload.progress':
      return { ...state, upload: action.upload };
    case 'upload.ended':
      return state.upload === undefined ? state : { ...state, upload: undefined };
    case 'learning.loaded':
      // An answer for a slide that is no longer open is stale.
      return action.report.slideId === state.slide?.id ? { ...state, learning: action.report } : state;
    case 'section.changed': {
      const last = state.slide ? sectionCount(state.slide) - 1 : 0;
      const z = Math.min(last, Math.max(0, Math.round(action.z)));
      return z === state.section ? state : { ...state, section: z };
    }
  }
}
