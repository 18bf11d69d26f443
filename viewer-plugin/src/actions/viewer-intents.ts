import type { TileLayer, TrainMode } from '@activeseg/protocol';
import type { Adjustment } from '../layers/tone-curve.js';
import type { StartFrom } from '../state/viewer-state.js';
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
  setLayerVisible(layer: TileLayer, visible: boolean): void;
  setLayerOpacity(layer: TileLayer, opacity: number): void;
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
  /** Asks first, then makes a model version current (promote anyway, or roll back). */
  promoteModel(version: number): void;
  /** Shows where `from`'s thresholded prediction differs from the current model's on the open slide; again hides it. */
  toggleChanges(from: number): void;
}
