import * as tf from '@tensorflow/tfjs-core';
// Side effect: registers the core ops' gradients that `minimize` needs (tfjs-core's node bundle has none).
import '@tensorflow/tfjs-layers';

type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

export interface PaperOptimizerOptions {
  /** Initial learning rate lr0. */
  lr?: number;
  /** Planned epochs; the paper sets decay = lr0 / epochs. */
  epochs: number;
  beta1?: number;
  beta2?: number;
  /** Keras' default (1e-7); set explicitly because tfjs otherwise takes the backend's epsilon (1e-4 on WebGL). */
  epsilon?: number;
}

/**
 * Keras legacy `decay` schedule: the step with 0-based optimizer iteration `iteration` uses lr0 / (1 + decay·iteration).
 * Like Keras, `iteration` counts optimizer steps (batches), not epochs.
 */
export function paperLearningRate(
  { lr = 1e-2, epochs }: Pick<PaperOptimizerOptions, 'lr' | 'epochs'>,
  iteration: number,
) {
  return lr / (1 + (lr / epochs) * iteration);
}

/**
 * Adam whose learning rate follows {@link paperLearningRate}. tfjs' AdamOptimizer reads its (protected)
 * `learningRate` field on every `applyGradients`, so the subclass sets it from `iterations` just before each step;
 * `minimize` goes through `applyGradients`, so both entry points follow the schedule. Moments and bias correction are
 * tfjs' (eps is added to √v̂, where legacy Keras adds it to √v: a difference of order eps).
 */
export class PaperAdam extends tf.AdamOptimizer {
  readonly initialLearningRate: number;
  readonly decay: number;
  readonly epochs: number;

  constructor({ lr = 1e-2, epochs, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7 }: PaperOptimizerOptions) {
    if (!(epochs > 0)) throw new Error(`createPaperOptimizer: epochs must be positive, got ${epochs}`);
    if (!(lr > 0)) throw new Error(`createPaperOptimizer: lr must be positive, got ${lr}`);
    super(lr, beta1, beta2, epsilon);
    this.initialLearningRate = lr;
    this.epochs = epochs;
    this.decay = lr / epochs;
  }

  /** Learning rate the next step will use. */
  get currentLearningRate(): number {
    return paperLearningRate({ lr: this.initialLearningRate, epochs: this.epochs }, this.iterations);
  }

  override applyGradients(variableGradients: VariableGradients): void {
    this.learningRate = this.currentLearningRate;
    super.applyGradients(variableGradients);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), learningRate: this.initialLearningRate, decay: this.decay };
  }
}

/** The paper's optimizer: Adam, lr0 = 1e-2 by default, decay = lr0 / epochs per step (Keras legacy semantics). */
export function createPaperOptimizer(options: PaperOptimizerOptions): PaperAdam {
  return new PaperAdam(options);
}
