import { availableParallelism } from 'node:os';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { mcPredict } from '../model/index.js';
import type { McResult } from './mc-result.js';
import { spawnOnnxWorker } from './spawn-onnx-worker.js';

export type { McResult };

/** Monte-Carlo dropout passes over one normalised square patch, on whichever runtime is fastest here. */
export interface McRunner {
  readonly runtime: 'onnxruntime-cpu' | 'tfjs';
  run(
    patch: Float32Array,
    options: { size: number; passes: number; keepSamples: boolean; seed: number },
  ): Promise<McResult>;
  dispose(): Promise<void>;
}

export interface CreateMcRunnerOptions {
  /** Try onnxruntime first (default true); tfjs is the fallback, never the other way round. */
  onnx?: boolean;
  /**
   * Seeds onnxruntime's dropout masks for the session (tfjs takes the per-call seed instead): a fresh runner made
   * with the same seed repeats its results exactly, which resumable simulations rely on.
   */
  seed?: number;
  /** Passes per onnxruntime call. */
  batchSize?: number;
  /**
   * onnxruntime intra-op threads. Default: all cores (measured on the idle 2-core machine, 64², base 8, 10 passes:
   * 14.6 ms on 2 threads, 19.9 ms on 1; when other processes hold the cores, 1 thread can win), also when `serving`
   * (the worker's lowered priority, not a reserved core, keeps the event loop responsive: docs/performance.md).
   */
  intraOpThreads?: number;
  /**
   * Where onnxruntime runs: 'worker' (default) in a worker thread, because `session.run` is synchronous in
   * onnxruntime-node and would stall a daemon's event loop for the whole batch of passes (measured: cached-tile p99
   * ≈ 1 s during inference); 'main' in the calling thread (benchmarks of the engine alone).
   */
  thread?: 'worker' | 'main';
  /**
   * Running beside a server (the daemon): run the passes at a lower priority (`workerNiceness` 10) and stop idle
   * onnxruntime threads from spinning, so tile requests are not starved while a slide is scored.
   */
  serving?: boolean;
  /**
   * Nice value of the worker thread that runs the passes (and of onnxruntime's threads, which inherit it), so the
   * daemon's event loop wins the CPU whenever it has a request to answer. Linux only; ignored in the calling thread.
   */
  workerNiceness?: number;
}

/**
 * The pass threads' nice value beside a server: CFS then gives the event loop (nice 0) ~10× their CPU share when both
 * want a core, yet the passes take every idle cycle.
 */
const SERVING_NICENESS = 10;

/** The knobs of a runner that change its speed, never its results: what the daemon and the speed bench tune. */
export type McRunnerTuning = Pick<CreateMcRunnerOptions, 'batchSize' | 'intraOpThreads' | 'workerNiceness'>;

/**
 * onnxruntime runs this U-Net several times faster than tfjs-wasm on the same cores (and, in its worker thread, off the
 * daemon's event loop), so it is preferred for the 20–50 passes per patch; if it cannot load (not installed, unsupported layer), tfjs runs them.
 * The tfjs runner borrows `model`; the onnx runner copies its weights and leaves `model` to the caller.
 */
export async function createMcRunner(model: LayersModel, options: CreateMcRunnerOptions = {}): Promise<McRunner> {
  if (options.onnx ?? true) {
    try {
      const { exportOnnx } = await import('../onnx/export-onnx.js');
      const { createOnnxMcSession } = await import('../onnx/onnx-mc-session.js');
      // The first level's convs once per patch, not once per pass (docs/performance.md, "The layers before the first dropout once per patch").
      const bytes = exportOnnx(model, {
        mcDropout: true,
        sharedPrefix: true,
        ...(options.seed === undefined ? {} : { seed: options.seed }),
      });
      const threads = options.intraOpThreads ?? availableParallelism();
      const spin = options.serving ? { allowSpinning: false } : {};
      const niceness = options.workerNiceness ?? (options.serving ? SERVING_NICENESS : undefined);
      const worker =
        options.thread === 'main'
          ? undefined
          : await spawnOnnxWorker({
              model: bytes,
              ...(threads ? { intraOpThreads: threads } : {}),
              ...spin,
              ...(niceness === undefined ? {} : { niceness }),
            }).catch(() => undefined);
      if (worker) {
        return {
          runtime: 'onnxruntime-cpu',
          run: (patch, o) =>
            worker.run({
              patch,
              size: o.size,
              passes: o.passes,
              keepSamples: o.keepSamples,
              ...(options.batchSize ? { batchSize: options.batchSize } : {}),
            }),
          dispose: () => worker.dispose(),
        };
      }
      const engine = await createOnnxMcSession({
        model: bytes,
        ...(threads ? { intraOpThreads: threads } : {}),
        ...spin,
      });
      return {
        runtime: 'onnxruntime-cpu',
        run: async (patch, o) => {
          const r = await engine.mcPredict(patch, o.size, {
            passes: o.passes,
            keepProbs: o.keepSamples,
            ...(options.batchSize ? { batchSize: options.batchSize } : {}),
          });
          return r.probs ? { mean: r.mean, std: r.std, probs: r.probs } : { mean: r.mean, std: r.std };
        },
        dispose: () => engine.dispose(),
      };
    } catch {
      // Fall through: onnxruntime is an accelerator, never a requirement.
    }
  }
  return {
    runtime: 'tfjs',
    run: async (patch, o) => mcPredict(model, patch, { passes: o.passes, keepSamples: o.keepSamples, seed: o.seed }),
    dispose: async () => {},
  };
}
