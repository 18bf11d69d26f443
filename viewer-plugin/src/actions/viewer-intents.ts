import type { TrainMode } from '@activeseg/protocol';
import type { Adjustment } from '../layers/tone-curve.js';
import type { LayerName, StartFrom } from '../state/viewer-state.js';
import type { ToolName } from '../tools/annotation-tool.js';

/**
 * Everything a person can ask the plugin to do, from a panel, a key or a drop. Each intent does its own error
 * reporting (into the state), so callers fire and forget.
 */
export interface ViewerIntents {
  openSlide(slideId: string): void;
  /** Asks first; a slide with annotations asks again. */
  deleteSlide(slideId: string): void;
  openLocalFile(file: File): void;
  /** Stops the upload of a dropped file that is still sending. */
  cancelUpload(): void;
  setLayerVisible(layer: LayerName, visible: boolean): void;
  setLayerOpacity(layer: LayerName, opacity: number): void;
  /** Brightness/contrast/gamma of the slide layer; remembered per slide in this browser. */
  setAdjustment(adjustment: Adjustment): void;
  selectSuggestion(index: number): void;
  stepSuggestion(direction: 1 | -1): void;
  /** Ends the current region unsaved and moves on to the next suggestion. */
  skipSuggestion(): void;
  setTool(tool: ToolName): void;
  /** While space is held the view pans, whatever the tool. */
  holdPan(held: boolean): void;
  setRadius(radiusPx: number): void;
  /** Brush radius one step larger (1) or smaller (-1). */
  stepRadius(direction: 1 | -1): void;
  /** Replaces the region's mask with the thresholded prediction. */
  fillFromPrediction(): void;
  setStartFrom(startFrom: StartFrom): void;
  annotateViewCentre(): void;
  undo(): void;
  redo(): void;
  closePolygon(): void;
  cancelPolygon(): void;
  /** Closes an open polygon first, so a drawn polygon is never dropped. */
  submitAnnotation(): void;
  startInference(): void;
  startTraining(mode: TrainMode): void;
  zoomBy(factor: number): void;
  toggleHelp(open?: boolean): void;
  cancelJob(jobId: string): void;
  /** Flies to a stored annotation. */
  flyToAnnotation(annotationId: string): void;
  /** Loads a stored annotation into the editor; submit stores its next version. */
  editAnnotation(annotationId: string): void;
  /** Asks first; deletes every version and its training patches. */
  deleteAnnotation(annotationId: string): void;
  /** Shows section `z` of a volume (clamped to its sections). */
  setSection(z: number): void;
  /** The next (1) or previous (-1) section of a volume. */
  stepSection(direction: 1 | -1): void;
  /** Asks first, then makes a model version current (promote anyway, or roll back). */
  promoteModel(version: number): void;
  /** Shows where `from`'s thresholded prediction differs from the current model's on the open slide; again hides it. */
  toggleChanges(from: number): void;
}
