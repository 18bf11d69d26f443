import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { createDropoutMaskSource, type DropoutMaskSource } from './dropout-mask-generator.js';
import {
  type DropoutMaskSpec,
  parseDropoutMaskSpecs,
  parseDropoutSeed,
  SHARED_PREFIX_KEY,
  spatialSize,
} from './dropout-mask-spec.js';
import { decodeOnnxModel } from './onnx-proto.js';

export interface OnnxMcSessionOptions {
  /** ONNX model bytes from `exportOnnx` (NHWC input and output). */
  model: Uint8Array;
  /** Threads for one operator; default: all cores, since conv dominates and parallelizes well. */
  intraOpThreads?: number;
  /** Let idle intra-op threads spin (onnxruntime's default, fastest for a machine given over to inference). */
  allowSpinning?: boolean;
  /**
   * Seed of the dropout masks of a model exported with mask inputs (the default); overrides the seed the export
   * stored. The same seed gives the same masks for the same pass number of the session, whatever the batch size.
   */
  seed?: number;
  /**
   * Benchmarks: record onnxruntime's per-node profile; `dispose()` writes it to `<prefix>_<timestamp>.json` (Chrome
   * trace format: one `<node>_kernel_time` event per node and run, with op_name and duration in µs).
   */
  profileFilePrefix?: string;
}

export interface McPredictOptions {
  /** Monte-Carlo passes (stochastic forward runs) per patch. Default 50. */
  passes?: number;
  /**
   * Passes run together in one session call. Default 10, lowered where one call's dropout masks would pass 1 GiB
   * (float32 masks of the paper model are 141 MB per pass, so 7 passes); a model exported with a fixed batch uses
   * that batch.
   */
  batchSize?: number;
  /** Also return every pass' probabilities ([passes, size, size, outChannels]). */
  keepProbs?: boolean;
}

export interface McPrediction {
  /** Per-pixel mean probability over the passes, [size, size, outChannels]. */
  mean: Float32Array;
  /** Per-pixel population standard deviation over the passes. */
  std: Float32Array;
  probs?: Float32Array;
  passes: number;
  /** Passes per session call that were used (after the fixed-batch and mask-memory limits). */
  batchSize: number;
}

export interface OnnxMcSession {
  readonly inputChannels: number;
  readonly outputChannels: number;
  /** How the dropout masks are drawn: in the graph, by the engine ('wasm-simd' or the 'js' fallback), or 'none'. */
  readonly dropoutMasks: 'graph' | 'wasm-simd' | 'js' | 'none';
  /**
   * Runs `n` NHWC patches of size×size×inputChannels; returns [n, size, size, outputChannels] probabilities. Each patch
   * is one stochastic pass when the model has dropout.
   */
  predict(batch: Float32Array, n: number, size: number): Promise<Float32Array>;
  /** Repeats one patch through the stochastic graph and summarizes the passes. */
  mcPredict(patch: Float32Array, size: number, options?: McPredictOptions): Promise<McPrediction>;
  dispose(): Promise<void>;
}

// Masks live in the generator's WebAssembly memory (at most 4 GiB). 1 GiB is 7 paper-model passes (141 MB each):
// measured on the 2-core machine, batches of 2, 5 and 7 ran at 563–584 ms per pass, batches of 10 at 823 ms with 6.2 GB
// RSS (in-graph masks too, 849 ms), so bigger batches of big patches only cost memory.
const MAX_MASK_BYTES = 2 ** 30;

export async function createOnnxMcSession(options: OnnxMcSessionOptions): Promise<OnnxMcSession> {
  const metadata = decodeOnnxModel(options.model).metadataProps ?? [];
  const maskSpecs = parseDropoutMaskSpecs(metadata);
  const inGraphDropout = metadata.some((prop) => prop.key === 'activeseg.mcDropout' && prop.value === 'true');
  // The input has batch 1 and the masks carry the passes (exportOnnx `sharedPrefix`): a patch is fed once per call.
  const sharedPrefix = metadata.some((prop) => prop.key === SHARED_PREFIX_KEY && prop.value === 'true');
  const seed = options.seed ?? parseDropoutSeed(metadata);
  const session = await ort.InferenceSession.create(options.model, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: options.intraOpThreads ?? availableParallelism(),
    // One op at a time: conv saturates the intra-op pool, and inter-op threads would just compete for the cores.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // Idle intra-op threads busy-wait by default; next to a server on few cores they would starve its event loop.
    ...(options.allowSpinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    ...(options.profileFilePrefix === undefined
      ? {}
      : { enableProfiling: true, profileFilePrefix: options.profileFilePrefix }),
  });
  const maskInputs = new Set(maskSpecs.map((spec) => spec.input));
  const missing = maskSpecs.filter((spec) => !session.inputNames.includes(spec.input));
  if (missing.length > 0) {
    await session.release();
    throw new Error(`OnnxMcSession: mask inputs ${missing.map((spec) => spec.input).join(', ')} not in the model`);
  }
  let masks: DropoutMaskSource | undefined =
    maskSpecs.length === 0 ? undefined : createDropoutMaskSource(seed === undefined ? {} : { seed });
  const dropoutMasks = masks?.implementation ?? (inGraphDropout ? 'graph' : 'none');
  // Passes drawn so far: the stream number of the next pass' masks.
  let nextPass = 0;

  const maskShapes = (size: number) => maskSpecs.map((spec) => maskShape(spec, size));
  const maxPassesForMasks = (size: number): number => {
    const perPass = maskShapes(size).reduce((sum, [c, h, w]) => sum + c * h * w * 4, 0);
    return perPass === 0 ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor(MAX_MASK_BYTES / perPass));
  };

  const inputMeta = tensorMetadata(
    session.inputMetadata.filter((meta) => !maskInputs.has(meta.name)),
    'input',
  );
  const outputMeta = tensorMetadata(session.outputMetadata, 'output');
  const inputChannels = inputMeta.shape[3];
  const outputChannels = outputMeta.shape[3];
  if (typeof inputChannels !== 'number' || typeof outputChannels !== 'number') {
    throw new Error('OnnxMcSession: the model must have a fixed channel count (NHWC, last axis)');
  }
  const fixedBatch = !sharedPrefix && typeof inputMeta.shape[0] === 'number' ? inputMeta.shape[0] : undefined;
  let disposed = false;
  // Runs one at a time: the masks of a run live in memory the next run rewrites, and onnxruntime-node starts a run
  // only on a later tick (setImmediate), so two overlapping callers (two patches in flight) would otherwise feed one
  // caller's masks to both. It also fixes the pass numbers in call order, which seeded runs need to repeat.
  let queue: Promise<unknown> = Promise.resolve();
  const run = (input: Float32Array, n: number, size: number): Promise<Float32Array> => {
    const result = queue.then(() => runNow(input, n, size));
    queue = result.catch(() => undefined);
    return result;
  };

  const runNow = async (input: Float32Array, n: number, size: number): Promise<Float32Array> => {
    if (disposed) throw new Error('OnnxMcSession: used after dispose()');
    const feeds: Record<string, ort.Tensor> = {
      [inputMeta.name]: new ort.Tensor('float32', input, [sharedPrefix ? 1 : n, size, size, inputChannels]),
    };
    if (masks !== undefined) {
      const shapes = maskShapes(size);
      const requests = maskSpecs.map((spec, i) => ({
        rate: spec.rate,
        keep: spec.keep,
        length: shapes[i]!.reduce((a, b) => a * b, 1),
      }));
      const arrays = masks.masks(requests, nextPass, n);
      nextPass += n;
      maskSpecs.forEach((spec, i) => {
        feeds[spec.input] = new ort.Tensor('float32', arrays[i]!, [n, ...shapes[i]!]);
      });
    }
    const results = await session.run(feeds);
    const output = results[outputMeta.name];
    if (output === undefined || !(output.data instanceof Float32Array)) {
      throw new Error(`OnnxMcSession: output '${outputMeta.name}' missing or not float32`);
    }
    return output.data;
  };

  const predict = async (batch: Float32Array, n: number, size: number): Promise<Float32Array> => {
    const expected = n * size * size * inputChannels;
    if (batch.length !== expected) {
      throw new Error(
        `OnnxMcSession.predict: expected ${expected} values (${n}×${size}²×${inputChannels}), got ${batch.length}`,
      );
    }
    if (fixedBatch !== undefined && n !== fixedBatch) {
      throw new Error(`OnnxMcSession.predict: model was exported with batch ${fixedBatch}, got ${n}`);
    }
    if (sharedPrefix && n !== 1) {
      throw new Error(`OnnxMcSession.predict: a shared-prefix model takes one patch per call (its passes), got ${n}`);
    }
    return run(batch, n, size);
  };

  const mcPredict = async (
    patch: Float32Array,
    size: number,
    mcOptions: McPredictOptions = {},
  ): Promise<McPrediction> => {
    const passes = mcOptions.passes ?? 50;
    const batchSize = fixedBatch ?? Math.min(mcOptions.batchSize ?? 10, passes, maxPassesForMasks(size));
    if (!(Number.isInteger(passes) && passes >= 1))
      throw new Error(`OnnxMcSession.mcPredict: passes must be ≥ 1, got ${passes}`);
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
      throw new Error(`OnnxMcSession.mcPredict: batchSize must be ≥ 1, got ${batchSize}`);
    }
    const patchLength = size * size * inputChannels;
    if (patch.length !== patchLength) {
      throw new Error(
        `OnnxMcSession.mcPredict: expected ${patchLength} values (${size}²×${inputChannels}), got ${patch.length}`,
      );
    }
    const pixels = size * size * outputChannels;
    // Float64 sums: 50+ passes of float32 sums of squares lose the digits the (small) variance lives in.
    const sum = new Float64Array(pixels);
    const sumSquares = new Float64Array(pixels);
    const probs = mcOptions.keepProbs ? new Float32Array(passes * pixels) : undefined;
    // A shared-prefix model reads the patch once for all passes; otherwise every pass gets its own copy.
    const batch = sharedPrefix ? patch : new Float32Array(batchSize * patchLength);
    if (!sharedPrefix) for (let i = 0; i < batchSize; i++) batch.set(patch, i * patchLength);

    for (let done = 0; done < passes; ) {
      // A dynamic-batch model runs the last, smaller batch as is; a fixed-batch one runs full and drops the extra.
      const wanted = Math.min(batchSize, passes - done);
      const n = fixedBatch ?? wanted;
      const input = sharedPrefix || n === batchSize ? batch : batch.subarray(0, n * patchLength);
      const output = await run(input, n, size);
      for (let b = 0; b < wanted; b++) {
        const offset = b * pixels;
        for (let p = 0; p < pixels; p++) {
          const value = output[offset + p]!;
          sum[p]! += value;
          sumSquares[p]! += value * value;
        }
        probs?.set(output.subarray(offset, offset + pixels), (done + b) * pixels);
      }
      done += wanted;
    }

    const mean = new Float32Array(pixels);
    const std = new Float32Array(pixels);
    for (let p = 0; p < pixels; p++) {
      const m = sum[p]! / passes;
      mean[p] = m;
      // Clamp: rounding can leave E[x²] − m² a hair below zero for constant pixels.
      std[p] = Math.sqrt(Math.max(sumSquares[p]! / passes - m * m, 0));
    }
    return probs === undefined ? { mean, std, passes, batchSize } : { mean, std, probs, passes, batchSize };
  };

  return {
    inputChannels,
    outputChannels,
    dropoutMasks,
    predict,
    mcPredict,
    async dispose() {
      if (disposed) return;
      disposed = true;
      // The masks' memory (up to 1 GiB) goes with the generator.
      masks = undefined;
      if (options.profileFilePrefix !== undefined) session.endProfiling();
      await session.release();
    },
  };
}

/** [channels, height, width] of one pass' mask for a size×size input. */
function maskShape(spec: DropoutMaskSpec, size: number): [number, number, number] {
  const [height, width] = spatialSize(spec.steps, size, size);
  return [spec.channels, height, width];
}

interface TensorMeta {
  name: string;
  shape: ReadonlyArray<number | string>;
}

function tensorMetadata(list: readonly ort.InferenceSession.ValueMetadata[], what: string): TensorMeta {
  const first = list[0];
  if (list.length !== 1 || first === undefined || !first.isTensor) {
    throw new Error(`OnnxMcSession: expected exactly one tensor ${what}, got ${list.length}`);
  }
  if (first.shape.length !== 4) {
    throw new Error(`OnnxMcSession: ${what} '${first.name}' must be rank 4 (NHWC), got [${first.shape.join(', ')}]`);
  }
  return { name: first.name, shape: first.shape };
}
