import type { ActionDeps } from './action-deps.js';
import { createAnnotationActions } from './annotation-actions.js';
import { createJobActions } from './job-actions.js';
import { createOpenLocalFile } from './open-local-file.js';
import { createSlideActions, type SlideActions } from './slide-actions.js';
import type { ViewerIntents } from './viewer-intents.js';

export interface CreateViewerIntentsResult {
  intents: ViewerIntents;
  /** The async actions the wiring awaits or chains (the public handle, server commands). */
  slides: SlideActions;
}

/** Builds every action on the shared deps and exposes them as fire-and-forget intents that report their errors. */
export function createViewerIntents(deps: ActionDeps): CreateViewerIntentsResult {
  const { store, tool, report } = deps;
  const slides = createSlideActions(deps);
  const annotation = createAnnotationActions({ ...deps, slides });
  const jobs = createJobActions(deps);
  const openLocalFile = createOpenLocalFile({ ...deps, slides });
  const intents: ViewerIntents = {
    openSlide: (slideId) => void slides.openSlide(slideId).catch(report),
    openLocalFile: (file) => void openLocalFile(file).catch(report),
    setLayerVisible(layer, visible) {
      store.dispatch({ type: 'layer.visible', layer, visible });
      deps.raise('activeseg-layer-toggle', { layer, visible });
    },
    setLayerOpacity: (layer, opacity) => store.dispatch({ type: 'layer.opacity', layer, opacity }),
    selectSuggestion: (index) => void annotation.selectSuggestion(index),
    stepSuggestion: (direction) => annotation.step(direction),
    skipSuggestion: () => annotation.skip(),
    setTool: (name) => annotation.setTool(name),
    setRadius: (radiusPx) => tool.setRadius(radiusPx),
    setStartFrom: (startFrom) => store.dispatch({ type: 'start-from.changed', startFrom }),
    annotateViewCentre: () => void annotation.annotateViewCentre().catch(report),
    undo: () => tool.undo(),
    redo: () => tool.redo(),
    closePolygon: () => tool.closePolygon(),
    cancelPolygon: () => tool.cancelPolygon(),
    submitAnnotation: () => void annotation.submit(),
    startInference: () => jobs.startInference(),
    startTraining: () => jobs.startTraining(),
    cancelJob: (jobId) => jobs.cancelJob(jobId),
  };
  return { intents, slides };
}
