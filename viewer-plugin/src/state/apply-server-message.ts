import type { ServerMessage } from '@activeseg/protocol';
import { describeError } from '../client/describe-error.js';
import { upsertJob, type ViewerState, withLayer } from './viewer-state.js';

/**
 * Folds one server frame into the state, without side effects. What a frame asks the viewer to do besides
 * (refetch tiles, suggestions, the slide) is `serverMessageCommands`.
 */
export function applyServerMessage(state: ViewerState, message: ServerMessage): ViewerState {
  switch (message.type) {
    case 'welcome':
      // A new socket: the daemon re-sends the holds that exist when the page subscribes, so forget the old ones.
      return { ...state, backend: message.backend, modelVersion: message.modelVersion, holds: [] };
    case 'job.progress':
      return {
        ...state,
        jobs: upsertJob(state.jobs, message.jobId, (prev) => ({
          ...prev,
          jobId: message.jobId,
          kind: message.kind,
          state: 'running',
          done: message.done,
          total: message.total,
          etaMs: message.etaMs,
          ...(message.detail
            ? { epoch: message.detail.epoch, loss: message.detail.loss, valDice: message.detail.valDice }
            : {}),
        })),
      };
    case 'job.state':
      return {
        ...state,
        // A version kept aside by the promotion rule is not what the daemon serves.
        modelVersion: message.promoted === false ? state.modelVersion : (message.modelVersion ?? state.modelVersion),
        jobs: upsertJob(state.jobs, message.jobId, (prev) => ({
          done: 0,
          total: 0,
          ...prev,
          jobId: message.jobId,
          kind: message.kind,
          state: message.state,
          error: message.error ? describeError(message.error.code, { detail: message.error.message }) : undefined,
          warning: message.warning,
        })),
      };
    case 'tiles.updated': {
      if (message.slideId !== state.slide?.id || message.layer === 'image') return state;
      const shown = state.layers[message.layer].modelVersion;
      // Updates of an older inference can still be in flight after a newer one started: never step back.
      if (shown !== undefined && shown >= message.modelVersion) return state;
      return withLayer(state, message.layer, { modelVersion: message.modelVersion });
    }
    case 'error':
      return { ...state, lastError: describeError(message.code, { detail: message.message }) };
    case 'slide.removed': {
      const slides = state.slides.filter((s) => s.id !== message.slideId);
      if (state.slide?.id !== message.slideId)
        return slides.length === state.slides.length ? state : { ...state, slides };
      // The open slide is gone (deleted from another page): say so rather than leave tiles that now answer 404.
      return { ...state, slides, lastError: 'This slide was deleted; pick another one from the list' };
    }
    case 'slide.added':
      return state.slides.some((s) => s.id === message.slide.id)
        ? state
        : { ...state, slides: [...state.slides, message.slide] };
    case 'patch.holds':
      if (message.slideId !== state.slide?.id) return state;
      // Only other tabs' holds mark a patch as taken; this tab's own hold is what it is editing.
      return { ...state, holds: message.holds.filter((h) => h.holder !== state.holderId) };
    case 'model.current':
      return { ...state, modelVersion: message.modelVersion };
    // A new version is not necessarily current (a worse one is kept aside): `model.current` moves the status bar.
    case 'model.added':
    case 'annotation.saved':
    case 'annotation.deleted':
    case 'suggestions.updated':
    case 'resync':
      return state;
  }
}

/** Work a server frame asks for beyond the state change: each is done by the wiring, outside the reducer. */
export type ServerCommand =
  | { type: 'layer.update'; message: Extract<ServerMessage, { type: 'tiles.updated' }> }
  | { type: 'suggestions.reload'; slideId: string }
  | { type: 'slide.reopen'; slideId: string }
  | { type: 'annotations.reload'; slideId: string }
  | { type: 'slides.reload' }
  /** The model list changed (a version was trained, promoted or rolled back, or the page (re)connected). */
  | { type: 'models.reload' }
  /** Another version is current: show the open slide's overlays and suggestions of it. */
  | { type: 'overlays.follow'; slideId: string };

/** Decided on the state the frame arrives in (before `applyServerMessage`). */
export function serverMessageCommands(state: ViewerState, message: ServerMessage): ServerCommand[] {
  const slideId = state.slide?.id;
  switch (message.type) {
    case 'tiles.updated':
      // Another section's tiles are not on screen: they load at their new version when that section is shown.
      return message.slideId === slideId && message.layer !== 'image' && (message.z ?? 0) === state.section
        ? [{ type: 'layer.update', message }]
        : [];
    case 'suggestions.updated':
      // Do not pull the list out from under someone who is painting.
      return message.slideId === slideId && !state.tool.active ? [{ type: 'suggestions.reload', slideId }] : [];
    case 'annotation.saved':
    case 'annotation.deleted':
      // Annotated cells leave (or rejoin) the suggestions too.
      return message.slideId === slideId
        ? [
            { type: 'annotations.reload', slideId },
            ...(state.tool.active ? [] : [{ type: 'suggestions.reload', slideId } as const]),
          ]
        : [];
    case 'resync':
      // Missed broadcasts are gone: reload everything that they could have changed.
      return [
        { type: 'slides.reload' },
        { type: 'models.reload' },
        ...(slideId === undefined ? [] : [{ type: 'slide.reopen' as const, slideId }]),
      ];
    case 'model.added':
    case 'welcome':
      return [{ type: 'models.reload' }];
    case 'job.state':
      return message.kind === 'train' && message.state === 'done' ? [{ type: 'models.reload' }] : [];
    case 'model.current':
      return [
        { type: 'models.reload' },
        ...(slideId === undefined ? [] : [{ type: 'overlays.follow' as const, slideId }]),
      ];
    default:
      return [];
  }
}
