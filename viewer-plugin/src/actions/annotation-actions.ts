import type { AnnotationAck, AnnotationRequest, AnnotationSource, Region } from '@activeseg/protocol';
import OpenSeadragon from 'openseadragon';
import { DaemonError } from '../client/http-client.js';
import { decodeMaskPng } from '../codec/decode-mask-png.js';
import { encodeRle } from '../codec/rle.js';
import { stepIndex } from '../panels/suggestion-cursor.js';
import { heldBy } from '../state/held-by.js';
import type { ToolView } from '../state/viewer-state.js';
import { cellRegionAt, suggestionRegion } from '../tools/annotation-region.js';
import type { AnnotationTool, ToolName } from '../tools/annotation-tool.js';
import { loadPredictionMask } from '../tools/load-prediction-mask.js';
import { MaskCanvas } from '../tools/mask-canvas.js';
import type { ActionDeps } from './action-deps.js';
import type { SlideActions } from './slide-actions.js';

/** Patch edge for "annotate view centre" when the slide has no suggestions to take it from. */
const DEFAULT_PATCH_SIZE = 512;

export interface AnnotationActions {
  selectSuggestion(index: number): Promise<void>;
  step(direction: 1 | -1): void;
  skip(): void;
  setTool(tool: ToolName): void;
  annotateViewCentre(): Promise<void>;
  fillFromPrediction(): Promise<void>;
  submit(): Promise<void>;
  /** Flies to a stored annotation (outlined, not opened for editing). */
  flyToAnnotation(annotationId: string): void;
  /** Loads a stored annotation's mask into the editor; submitting stores it as the next version. */
  editAnnotation(annotationId: string): Promise<void>;
  /** Deletes a stored annotation (every version) after the person confirms; resolves false when they declined. */
  deleteAnnotation(annotationId: string): Promise<boolean>;
}

/** What the panels show of the tool, read from the tool itself. */
export function toolViewOf(tool: AnnotationTool): ToolView {
  return {
    tool: tool.tool,
    radius: tool.radius,
    active: tool.active,
    canUndo: tool.canUndo,
    canRedo: tool.canRedo,
    panHeld: tool.panHeld,
  };
}

export function createAnnotationActions(
  deps: Pick<
    ActionDeps,
    'viewer' | 'daemonUrl' | 'token' | 'http' | 'store' | 'slideView' | 'tool' | 'raise' | 'report' | 'confirm'
  > & { slides: Pick<SlideActions, 'loadSuggestions' | 'loadAnnotations' | 'showSection'> },
): AnnotationActions {
  const { viewer, store, slideView, tool } = deps;
  const notice = (tone: 'muted' | 'busy' | 'ok' | 'error', text: string) =>
    store.dispatch({ type: 'annotation.status', notice: { tone, text } });

  const predictionOver = (region: Region) => {
    const { slide } = store.state;
    const prediction = slideView.layer('prediction');
    if (!slide || !prediction)
      throw new Error(
        store.state.modelVersion === 0
          ? 'No model yet: annotate a region and train first'
          : 'No prediction yet for this slide: run inference first',
      );
    return loadPredictionMask({
      daemonUrl: deps.daemonUrl,
      token: deps.token,
      slide,
      modelVersion: prediction.modelVersion,
      region,
      z: store.state.section,
    });
  };

  /** Fits the region with a margin, so its context is visible, and outlines it. */
  const flyTo = (region: Region): void => {
    const image = slideView.imageItem;
    if (!image) return;
    const rect = image.imageToViewportRectangle(region.x, region.y, region.width, region.height);
    viewer.viewport.fitBounds(
      new OpenSeadragon.Rect(
        rect.x - rect.width * 0.25,
        rect.y - rect.height * 0.25,
        rect.width * 1.5,
        rect.height * 1.5,
      ),
    );
    slideView.showOutline(rect);
  };

  /** Says so when another tab is editing the region; the person may still go on. */
  const warnIfTaken = (region: Region): void => {
    const hold = heldBy(region, store.state.holds);
    if (hold) {
      notice('error', `Taken: another tab is editing this patch (since ${new Date(hold.since).toLocaleTimeString()})`);
    }
  };

  // What the person saw when the region opened: the daemon scores that version's prediction against their label.
  let opened: { source: AnnotationSource; modelVersion: number | undefined } | undefined;
  const begin = async (region: Region, source: AnnotationSource): Promise<void> => {
    const { layers } = store.state;
    opened = { source, modelVersion: layers.prediction.modelVersion ?? layers.uncertainty.modelVersion };
    const initial = store.state.startFrom === 'prediction' ? await predictionOver(region) : undefined;
    tool.begin(region, initial);
    if (tool.tool === 'pan') actions.setTool('brush');
  };

  const actions: AnnotationActions = {
    async selectSuggestion(index) {
      const { slide, suggestions } = store.state;
      const suggestion = suggestions[index];
      if (!slide || !suggestion) return;
      // A volume's suggestions span its sections: fly to the suggestion's section first (it replaces the layers).
      await deps.slides.showSection(suggestion.patch.z ?? 0);
      const image = slideView.imageItem;
      if (!image) return;
      store.dispatch({ type: 'suggestion.selected', index });
      const region = suggestionRegion(suggestion, slide);
      flyTo(region);
      deps.raise('activeseg-suggestion-select', { suggestion, index });
      notice('muted', '');
      warnIfTaken(region);
      await begin(region, 'uncertainty').catch(deps.report);
    },
    step(direction) {
      const next = stepIndex(store.state.selected, direction, store.state.suggestions.length);
      if (next >= 0) void actions.selectSuggestion(next);
    },
    skip() {
      tool.end();
      slideView.hideOutline();
      actions.step(1);
    },
    setTool(name) {
      tool.setTool(name);
      deps.raise('activeseg-tool-change', { tool: name });
    },
    async annotateViewCentre() {
      const { slide, suggestions } = store.state;
      const image = slideView.imageItem;
      if (!slide || !image) return;
      const centre = image.viewportToImageCoordinates(viewer.viewport.getCenter());
      const region = cellRegionAt(centre, suggestions[0]?.patch.size ?? DEFAULT_PATCH_SIZE, slide);
      // Outlined like a suggestion, so the edge of what will be labelled is visible.
      slideView.showOutline(image.imageToViewportRectangle(region.x, region.y, region.width, region.height));
      await begin(region, 'user');
    },
    async fillFromPrediction() {
      const mask = tool.mask;
      if (!mask) {
        notice('error', 'Pick a suggestion or "Annotate view centre" first');
        return;
      }
      const filled = await predictionOver(mask.region);
      // The region may have changed while the tiles loaded.
      if (tool.mask === mask) tool.replaceMask(filled.data);
    },
    async submit() {
      const mask = tool.mask;
      const slide = store.state.slide;
      if (!slide || !mask) return;
      // A polygon still being drawn is part of what the person meant to submit: fill it, or say why not.
      if (tool.openPolygon >= 3) tool.closePolygon();
      else if (tool.openPolygon > 0) {
        notice('error', `The polygon has ${tool.openPolygon} point(s): add at least 3, or press Esc to drop it`);
        return;
      }
      const { editing } = store.state;
      const request: AnnotationRequest = {
        slideId: slide.id,
        region: mask.region,
        mask: encodeRle(mask.data),
        clientId: crypto.randomUUID(),
        ...(editing === undefined ? {} : { supersedes: editing }),
        ...tool.effort(),
        source: opened?.source ?? 'user',
        ...(opened?.modelVersion === undefined ? {} : { modelVersion: opened.modelVersion }),
        ...(store.state.section ? { z: store.state.section } : {}),
      };
      notice('busy', 'Sending…');
      let ack: AnnotationAck;
      try {
        try {
          ack = await deps.http.submitAnnotation(request);
        } catch (err) {
          // Lost connection: the same clientId makes the retry idempotent, so a duplicate can never be stored.
          if (err instanceof DaemonError && err.code === undefined && err.status === undefined) {
            ack = await deps.http.submitAnnotation(request);
          } else throw err;
        }
      } catch (err) {
        notice('error', err instanceof Error ? err.message : String(err));
        return;
      }
      const what = editing === undefined ? 'Stored' : 'Stored the new version';
      notice('ok', `${what} ✓ ${ack.id} (${ack.patches.length} patch${ack.patches.length === 1 ? '' : 'es'})`);
      deps.raise('activeseg-annotation-stored', { ack });
      opened = undefined;
      tool.end();
      slideView.hideOutline();
      await Promise.all([deps.slides.loadSuggestions(), deps.slides.loadAnnotations()]).catch(deps.report);
    },
    flyToAnnotation(annotationId) {
      const annotation = store.state.annotations.find((a) => a.id === annotationId);
      // In a volume the annotation may lie on another section: show that one first.
      if (annotation)
        void deps.slides
          .showSection(annotation.z ?? 0)
          .then(() => flyTo(annotation.region))
          .catch(deps.report);
    },
    async editAnnotation(annotationId) {
      const annotation = store.state.annotations.find((a) => a.id === annotationId);
      if (!annotation || !slideView.imageItem) return;
      const { region } = annotation;
      const data = await decodeMaskPng(await deps.http.getAnnotationMask(annotationId), region.width, region.height);
      await deps.slides.showSection(annotation.z ?? 0);
      flyTo(region);
      notice(
        'muted',
        `Editing ${annotationId} (version ${annotation.version}): submit stores version ${annotation.version + 1}`,
      );
      warnIfTaken(region);
      tool.begin(region, new MaskCanvas(region, data));
      if (tool.tool === 'pan') actions.setTool('brush');
      store.dispatch({ type: 'annotation.editing', annotationId });
    },
    async deleteAnnotation(annotationId) {
      const annotation = store.state.annotations.find((a) => a.id === annotationId);
      if (!annotation) return false;
      const { x, y, width, height } = annotation.region;
      const versions = annotation.version > 1 ? ` and its ${annotation.version - 1} earlier version(s)` : '';
      if (
        !deps.confirm(
          `Delete annotation ${annotationId} (${width}×${height} at ${x},${y})${versions}? Its patches stop training.`,
        )
      ) {
        return false;
      }
      await deps.http.deleteAnnotation(annotationId);
      if (store.state.editing === annotationId) {
        tool.end();
        slideView.hideOutline();
      }
      notice('ok', `Deleted ${annotationId}`);
      await Promise.all([deps.slides.loadAnnotations(), deps.slides.loadSuggestions()]);
      return true;
    },
  };
  return actions;
}
