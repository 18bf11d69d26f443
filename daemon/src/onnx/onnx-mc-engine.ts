import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';

export interface OnnxMcEngineOptions {
  /** ONNX model bytes from `exportOnnx` (NHWC input and output). */
  model: Uint8Array;
  /** Threads for one operator; default: all cores, since conv dominates and parallelizes well. */
  intraOpThreads?: number;
  /** Let idle intra-op threads spin (onnxruntime's default, fastest for a machine given over to inference). */
  allowSpinning?: boolean;
}

export interface McPredictOptions {
  /** Monte-Carlo passes (stochastic forward runs) per patch. Default 50. */
  passes?: number;
  /** Passes run together in one session call. Default 10; a model exported with a fixed batch uses that batch. */
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
}

export interface OnnxMcEngine {
  readonly inputChannels: number;
  readonly outputChannels: number;
  /** Runs `n` NHWC patches of size×size×inputChannels; returns [n, size, size, outputChannels] probabilities. */
  predict(batch: Float32Array, n: number, size: number): Promise<Float32Array>;
  /** Repeats one patch through the stochastic graph and summarizes the passes. */
  mcPredict(patch: Float32Array, size: number, options?: McPredictOptions): Promise<McPrediction>;
  dispose(): Promise<void>;
}

export async function createOnnxMcEngine(options: OnnxMcEngineOptions): Promise<OnnxMcEngine> {
  const session = await ort.InferenceSession.create(options.model, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: options.intraOpThreads ?? availableParallelism(),
    // One op at a time: conv saturates the intra-op pool, and inter-op threads would just compete for the cores.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // Idle intra-op threads busy-wait by default; next to a server on few cores they would starve its event loop.
    ...(options.allowSpinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  });
  const inputMeta = tensorMetadata(session.inputMetadata, 'input');
  const outputMeta = tensorMetadata(session.outputMetadata, 'output');
  const inputChannels = inputMeta.shape[3];
  const outputChannels = outputMeta.shape[3];
  if (typeof inputChannels !== 'number' || typeof outputChannels !== 'number') {
    throw new Error('OnnxMcEngine: the model must have a fixed channel count (NHWC, last axis)');
  }
  const fixedBatch = typeof inputMeta.shape[0] === 'number' ? inputMeta.shape[0] : undefined;
  let disposed = false;

  const run = async (input: Float32Array, n: number, size: number): Promise<Float32Array> => {
    if (disposed) throw new Error('OnnxMcEngine: used after dispose()');
    const feed = new ort.Tensor('float32', input, [n, size, size, inputChannels]);
    const results = await session.run({ [inputMeta.name]: feed });
    const output = results[outputMeta.name];
    if (output === undefined || !(output.data instanceof Float32Array)) {
      throw new Error(`OnnxMcEngine: output '${outputMeta.name}' missing or not float32`);
    }
    return output.data;
  };

  const predict = async (batch: Float32Array, n: number, size: number): Promise<Float32Array> => {
    const expected = n * size * size * inputChannels;
    if (batch.length !== expected) {
      throw new Error(
        `OnnxMcEngine.predict: expected ${expected} values (${n}×${size}²×${inputChannels}), got ${batch.length}`,
      );
    }
    if (fixedBatch !== undefined && n !== fixedBatch) {
      throw new Error(`OnnxMcEngine.predict: model was exported with batch ${fixedBatch}, got ${n}`);
    }
    return run(batch, n, size);
  };

  const mcPredict = async (
    patch: Float32Array,
    size: number,
    mcOptions: McPredictOptions = {},
  ): Promise<McPrediction> => {
    const passes = mcOptions.passes ?? 50;
    const batchSize = fixedBatch ?? Math.min(mcOptions.batchSize ?? 10, passes);
    if (!(Number.isInteger(passes) && passes >= 1))
      throw new Error(`OnnxMcEngine.mcPredict: passes must be ≥ 1, got ${passes}`);
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
      throw new Error(`OnnxMcEngine.mcPredict: batchSize must be ≥ 1, got ${batchSize}`);
    }
    const patchLength = size * size * inputChannels;
    if (patch.length !== patchLength) {
      throw new Error(
        `OnnxMcEngine.mcPredict: expected ${patchLength} values (${size}²×${inputChannels}), got ${patch.length}`,
      );
    }
    const pixels = size * size * outputChannels;
    // Float64 sums: 50+ passes of float32 sums of squares lose the digits the (small) variance lives in.
    const sum = new Float64Array(pixels);
    const sumSquares = new Float64Array(pixels);
    const probs = mcOptions.keepProbs ? new Float32Array(passes * pixels) : undefined;
    const batch = new Float32Array(batchSize * patchLength);
    for (let i = 0; i < batchSize; i++) batch.set(patch, i * patchLength);

    for (let done = 0; done < passes; ) {
      // A dynamic-batch model runs the last, smaller batch as is; a fixed-batch one runs full and drops the extra.
      const wanted = Math.min(batchSize, passes - done);
      const n = fixedBatch ?? wanted;
      const output = await run(n === batchSize ? batch : batch.subarray(0, n * patchLength), n, size);
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
    return probs === undefined ? { mean, std, passes } : { mean, std, probs, passes };
  };

  return {
    inputChannels,
    outputChannels,
    predict,
    mcPredict,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
}

interface TensorMeta {
  name: string;
  shape: ReadonlyArray<number | string>;
}

function tensorMetadata(list: readonly ort.InferenceSession.ValueMetadata[], what: string): TensorMeta {
  const first = list[0];
  if (list.length !== 1 || first === undefined || !first.isTensor) {
    throw new Error(`OnnxMcEngine: expected exactly one tensor ${what}, got ${list.length}`);
  }
  if (first.shape.length !== 4) {
    throw new Error(`OnnxMcEngine: ${what} '${first.name}' must be rank 4 (NHWC), got [${first.shape.join(', ')}]`);
  }
  return { name: first.name, shape: first.shape };
}
