import * as tf from '@tensorflow/tfjs-core';
import { layers, type Shape } from '@tensorflow/tfjs-layers';

type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;

/**
 * Dropout that stays on at inference, for Monte-Carlo dropout uncertainty.
 *
 * Why not `training: true`: that would also put BatchNorm in training mode (batch statistics, moving-average
 * updates), so every MC pass would corrupt the model. This layer drops regardless of `kwargs.training`, and
 * BatchNorm keeps using its moving statistics.
 */

let enabled = true;
let globalSeed: number | undefined;
let callCounter = 0;

/** Turns every McDropout layer into the identity (deterministic prediction, export equality tests) or back on. */
export function setMcDropoutEnabled(on: boolean): void {
  enabled = on;
}

export function isMcDropoutEnabled(): boolean {
  return enabled;
}

/**
 * Seeds the masks of every following McDropout call. Each call draws its own seed from a counter reset here, so the
 * same seed and the same sequence of calls give identical masks. `undefined` goes back to unseeded masks.
 */
export function setMcDropoutSeed(seed: number | undefined): void {
  globalSeed = seed;
  callCounter = 0;
}

export interface McDropoutSettings {
  enabled?: boolean;
  /** Seed for the masks drawn inside `fn`; leave out to keep the current seed state. */
  seed?: number;
}

/** Runs `fn` with the given switch and seed, then restores the previous state (also when `fn` throws). */
export function withMcDropoutSettings<T>(settings: McDropoutSettings, fn: () => T): T {
  const saved = { enabled, globalSeed, callCounter };
  if (settings.enabled !== undefined) enabled = settings.enabled;
  if (settings.seed !== undefined) setMcDropoutSeed(settings.seed);
  try {
    return fn();
  } finally {
    enabled = saved.enabled;
    globalSeed = saved.globalSeed;
    callCounter = saved.callCounter;
  }
}

function nextSeed(layerSeed: number | undefined, layerCounter: () => number): string | undefined {
  // String seeds: tfjs treats a numeric seed of 0 as "unseeded", and strings keep (seed, call) pairs distinct.
  if (globalSeed !== undefined) return `${globalSeed}:${callCounter++}`;
  if (layerSeed !== undefined) return `layer${layerSeed}:${layerCounter()}`;
  return undefined;
}

export interface McDropoutArgs extends LayerArgs {
  rate: number;
  /** Per-layer seed, used only while no global seed is set. */
  seed?: number;
  /** Written by `getConfig` so a saved model says what it is; always true, ignored on load. */
  alwaysOn?: boolean;
}

export class McDropout extends layers.Layer {
  static className = 'McDropout';
  readonly rate: number;
  readonly seed: number | undefined;
  private ownCalls = 0;

  constructor(args: McDropoutArgs) {
    const { rate, seed, alwaysOn: _alwaysOn, ...layerArgs } = args;
    super(layerArgs);
    if (!(rate >= 0 && rate < 1)) throw new Error(`McDropout: rate must be in [0, 1), got ${rate}`);
    this.rate = rate;
    this.seed = seed;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (x === undefined) throw new Error('McDropout: no input');
      if (!enabled || this.rate === 0) return x.clone();
      const seed = nextSeed(this.seed, () => this.ownCalls++);
      const keep = tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), this.rate);
      // Inverted dropout: scale kept units so the expected activation matches the undropped network.
      return tf.mul(x, tf.mul(tf.cast(keep, x.dtype), 1 / (1 - this.rate)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { rate: this.rate, alwaysOn: true };
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...super.getConfig(), ...config };
  }
}

tf.serialization.registerClass(McDropout);
