import type { GradientOptions, OnnxGradients, OnnxStepInput, TrainerCoreOptions } from './trainer-core.js';
import type { MovingStats } from './unet-params.js';

export type TrainerRequest =
  | { type: 'init'; options: TrainerCoreOptions }
  | { type: 'step'; id: number; input: OnnxStepInput }
  | { type: 'gradients'; id: number; input: OnnxStepInput; options: GradientOptions }
  | { type: 'state'; id: number }
  | { type: 'predict'; id: number; images: Float32Array; n: number };

export type TrainerReply =
  | { type: 'ready' }
  | { type: 'loss'; id: number; loss: number }
  | { type: 'gradients'; id: number; result: OnnxGradients }
  | { type: 'state'; id: number; params: Float32Array[]; moving: MovingStats[] }
  | { type: 'probability'; id: number; probability: Float32Array }
  | { type: 'error'; id?: number; message: string };
