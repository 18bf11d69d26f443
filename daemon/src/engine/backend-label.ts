import type { McRunner } from '../inference/create-mc-runner.js';
import type { TrainStepEngineName } from '../training/train-step-engine.js';

export interface BackendLabelParts {
  /** What runs the Monte-Carlo dropout passes. */
  mc: McRunner['runtime'];
  /** What runs the training steps. */
  training: TrainStepEngineName;
  /** The tfjs backend chosen at start-up (named when tfjs runs either part). */
  tfjsBackend: string;
}

/**
 * The one line viewers show as "backend": what runs MC inference and what runs training, e.g.
 * `onnxruntime cpu (MC) · onnxruntime graph (training)`. Decided when the engine starts, not when the first patch
 * is scored, so every page shows the same words whenever it connected.
 */
export function backendLabel(parts: BackendLabelParts): string {
  const mc = parts.mc === 'onnxruntime-cpu' ? 'onnxruntime cpu' : `tfjs ${parts.tfjsBackend}`;
  const training = parts.training === 'onnxruntime' ? 'onnxruntime graph' : `tfjs ${parts.tfjsBackend}`;
  return `${mc} (MC) · ${training} (training)`;
}
