import { saveAdjustment } from '../state/adjustment-storage.js';
import type { ActionDeps } from './action-deps.js';
import { createAnnotationActions } from './annotation-actions.js';
import { createJobActions } from './job-actions.js';
import { createModelActions, type ModelActions } from './model-actions.js';
import { createOpenLocalFile } from './open-local-file.js';
import { createSlideActions, type SlideActions } from './slide-actions.js';
import type { ViewerIntents } from './viewer-intents.js';

export interface CreateViewerIntentsResult {
  intents: ViewerIntents;
  /** The async actions the wiring awaits or chains (the public handle, server commands). */
  slides: SlideActions;
  models: ModelActions;
}

/** Builds every action on the shared deps and exposes them as fire-and-forget intents that report their errors. */
/** `[` / `]` scale the brush by this factor, so a few presses go from a fibre's edge to a whole axon. */
const RADIUS_STEP = 1.25;

export function createViewerIntents(deps: ActionDeps): CreateViewerIntentsResult {
  const { store, tool, report, viewer } = deps;
  const slides = createSlideActions(deps);
  const annotation = createAnnotationActions({ ...deps, slides });
  const jobs = createJobActions(deps);
  const models = createModelActions(deps);
  const openLocalFile = createOpenLocalFile({ ...deps, slides });
  const intents: ViewerIntents = {
    openSlide: (slideId) => void slides.openSlide(slideId).catch(report),
    deleteSlide: (slideId) => void slides.deleteSlide(slideId).catch(report),
    openLocalFile: (file) => void openLocalFile.open(file).catch(report),
    cancelUpload: () => openLocalFile.cancel(),
    setLayerVisible(layer, visible) {
      store.dispatch({ type: 'layer.visible', layer, visible });
      deps.raise('activeseg-layer-toggle', { layer, visible });
    },
    setLayerOpacity: (layer, opacity) => store.dispatch({ type: 'layer.opacity', layer, opacity }),
    setAdjustment(adjustment) {
      store.dispatch({ type: 'adjustment.changed', adjustment });
      const { slide } = store.state;
      if (slide) saveAdjustment(slide.id, store.state.adjustment);
    },
    selectSuggestion: (index) => void annotation.selectSuggestion(index),
    stepSuggestion: (direction) => annotation.step(direction),
    skipSuggestion: () => annotation.skip(),
    setTool: (name) => annotation.setTool(name),
    holdPan: (held) => tool.holdPan(held),
    setRadius: (radiusPx) => tool.setRadius(radiusPx),
    stepRadius: (direction) =>
      tool.setRadius(
        direction > 0
          ? Math.max(tool.radius + 1, Math.round(tool.radius * RADIUS_STEP))
          : Math.min(tool.radius - 1, Math.round(tool.radius / RADIUS_STEP)),
      ),
    fillFromPrediction: () => void annotation.fillFromPrediction().catch(report),
    setStartFrom: (startFrom) => store.dispatch({ type: 'start-from.changed', startFrom }),
    annotateViewCentre: () => void annotation.annotateViewCentre().catch(report),
    undo: () => tool.undo(),
    redo: () => tool.redo(),
    closePolygon: () => tool.closePolygon(),
    cancelPolygon: () => tool.cancelPolygon(),
    submitAnnotation: () => void annotation.submit(),
    startInference: () => jobs.startInference(),
    startTraining: (mode) => jobs.startTraining(mode),
    zoomBy(factor) {
      viewer.viewport.zoomBy(factor);
      viewer.viewport.applyConstraints();
    },
    toggleHelp: (open) => store.dispatch({ type: 'help.toggled', ...(open === undefined ? {} : { open }) }),
    cancelJob: (jobId) => jobs.cancelJob(jobId),
    flyToAnnotation: (annotationId) => annotation.flyToAnnotation(annotationId),
    editAnnotation: (annotationId) => void annotation.editAnnotation(annotationId).catch(report),
    deleteAnnotation: (annotationId) => void annotation.deleteAnnotation(annotationId).catch(report),
    setSection: (z) => void slides.showSection(z).catch(report),
    stepSection: (direction) => void slides.showSection(store.state.section + direction).catch(report),
    promoteModel: (version) => void models.promote(version).catch(report),
    toggleChanges(from) {
      const { changes, modelVersion } = store.state;
      const to = modelVersion ?? 0;
      const off = (changes?.from === from && changes.to === to) || to === 0 || from === to;
      store.dispatch({ type: 'changes.shown', changes: off ? undefined : { from, to } });
    },
  };
  return { intents, slides, models };
}
