import type { ModelEngine, ScorePatchOptions, TrainOptions } from '../engine/model-engine-api.js';

export interface FakeEngine extends ModelEngine {
  /** Every training call, in order. */
  readonly trained: TrainOptions[];
  /** The options of every `scorePatch` call, in order (their seeds name the cells: see `patchSeed`). */
  readonly scored: (ScorePatchOptions | undefined)[];
}

/**
 * Deterministic fake engine for tests only: "probability" = pixel intensity, std = a tent around 0.5, score = mean
 * std. Each call waits `delayMs` first; training reports one progress event per epoch and bumps the version.
 */
export function createFakeEngine(options: { delayMs?: number } = {}): FakeEngine {
  let version = 1;
  const trained: TrainOptions[] = [];
  const scored: (ScorePatchOptions | undefined)[] = [];
  const pause = () => new Promise((r) => setTimeout(r, options.delayMs ?? 0));
  return {
    backendName: 'fake',
    trained,
    scored,
    modelVersion: () => version,
    async scorePatch(patch, size, signal, scoreOptions) {
      await pause();
      signal.throwIfAborted();
      scored.push(scoreOptions);
      const mean = new Float32Array(size * size);
      const std = new Float32Array(size * size);
      let sum = 0;
      for (let i = 0; i < mean.length; i++) {
        mean[i] = patch[i]!;
        std[i] = 0.5 - Math.abs(patch[i]! - 0.5);
        sum += std[i]!;
      }
      return { score: sum / mean.length, mean, std };
    },
    async train(opts) {
      trained.push(opts);
      const epochs = opts.epochs ?? 2;
      for (let epoch = 1; epoch <= epochs; epoch++) {
        for (const ref of opts.patches) await opts.loadPatch(ref, opts.signal);
        opts.signal.throwIfAborted();
        opts.onProgress({ epoch, epochs, loss: 1 / epoch, valDice: 0.5 });
      }
      version += 1;
      return { modelVersion: version, metrics: { dice: 0.5 } };
    },
  };
}
