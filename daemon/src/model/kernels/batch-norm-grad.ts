import type {
  GradConfig,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { allocF32, asWasmBackend, f32Offset, heapF32 } from './wasm-heap.js';

/** Our fused kernel: all five FusedBatchNorm gradients from two passes over x and dy. */
export const BATCH_NORM_GRAD_KERNEL = 'ActivesegBatchNormGrad';

/**
 * Per channel c (last axis), with r = 1/sqrt(var + eps), s = scale, S1 = Σ dy, S2 = Σ (x − mean)·dy:
 * dx = dy·r·s, dMean = −r·s·S1, dVar = −½·r³·s·S2, dScale = r·S2, dOffset = S1.
 * tfjs's stock gradient builds the same from ~15 full-size ops including a Tile of r to the whole activation, which
 * was the single most expensive kernel of a wasm U-Net train step (wasm Tile ≈ 30 ns/element).
 */
function batchNormGradWasm(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo[] {
  const backend = asWasmBackend(args.backend);
  const { x, dy, mean, variance, scale } = args.inputs;
  if (x === undefined || dy === undefined || mean === undefined || variance === undefined || scale === undefined) {
    throw new Error(`activeseg wasm ${BATCH_NORM_GRAD_KERNEL}: needs x, dy, mean, variance, scale`);
  }
  const eps = Number(args.attrs?.varianceEpsilon ?? 1e-3);
  const channels = mean.shape[0] ?? 1;
  const size = tf.util.sizeFromShape(x.shape);
  const dx = allocF32(backend, x.shape);
  const dMean = allocF32(backend, [channels]);
  const dVar = allocF32(backend, [channels]);
  const dScale = allocF32(backend, [channels]);
  const dOffset = allocF32(backend, [channels]);
  const heap = heapF32(backend);
  const [xo, dyo, mo, vo, so, dxo] = [x, dy, mean, variance, scale, dx].map((t) => f32Offset(backend, t)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Float64 accumulators: sums run over N·H·W (up to millions) of values.
  const s1 = new Float64Array(channels);
  const s2 = new Float64Array(channels);
  const k = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    k[c] = (heap[so + c] as number) / Math.sqrt((heap[vo + c] as number) + eps);
  }
  for (let base = 0; base < size; base += channels) {
    for (let c = 0; c < channels; c++) {
      const g = heap[dyo + base + c] as number;
      s1[c] = (s1[c] as number) + g;
      s2[c] = (s2[c] as number) + ((heap[xo + base + c] as number) - (heap[mo + c] as number)) * g;
      heap[dxo + base + c] = g * (k[c] as number);
    }
  }
  const [dmo, dvo, dso, doo] = [dMean, dVar, dScale, dOffset].map((t) => f32Offset(backend, t)) as [
    number,
    number,
    number,
    number,
  ];
  for (let c = 0; c < channels; c++) {
    const r = 1 / Math.sqrt((heap[vo + c] as number) + eps);
    const s = heap[so + c] as number;
    heap[dmo + c] = -r * s * (s1[c] as number);
    heap[dvo + c] = -0.5 * r * r * r * s * (s2[c] as number);
    heap[dso + c] = r * (s2[c] as number);
    heap[doo + c] = s1[c] as number;
  }
  return [dx, dMean, dVar, dScale, dOffset];
}

export const batchNormGradWasmConfig: KernelConfig = {
  kernelName: BATCH_NORM_GRAD_KERNEL,
  backendName: 'wasm',
  kernelFunc: batchNormGradWasm as KernelFunc,
};

/** The same formulas with broadcasting tf ops, for every other backend. */
function batchNormGradOps(
  x: tf.Tensor,
  dy: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  scale: tf.Tensor,
  eps: number,
): tf.Tensor[] {
  const axes = [...Array(x.rank - 1).keys()];
  const r = tf.rsqrt(tf.add(variance, eps));
  const rs = tf.mul(r, scale);
  const s1 = tf.sum(dy, axes);
  const s2 = tf.sum(tf.mul(tf.sub(x, mean), dy), axes);
  return [
    tf.mul(dy, rs),
    tf.neg(tf.mul(rs, s1)),
    tf.mul(tf.mul(tf.mul(tf.mul(r, r), rs), s2), -0.5),
    tf.mul(r, s2),
    s1,
  ];
}

/**
 * Replacement gradient for FusedBatchNorm (registered globally, so every backend uses it; on wasm it runs our fused
 * kernel). Cases we do not cover (per-element mean, i.e. mean.rank === x.rank) go to the gradient it replaced.
 */
export function makeBatchNormGradConfig(previous: GradConfig | undefined): GradConfig {
  return {
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dyIn, saved, attrs) => {
      const dy = Array.isArray(dyIn) ? dyIn[0] : dyIn;
      const [x, mean, variance, scaleSaved] = saved;
      if (dy === undefined || x === undefined || mean === undefined || variance === undefined) {
        throw new Error('activeseg FusedBatchNorm gradient: missing saved tensors');
      }
      if (mean.rank !== 1 || variance.rank !== 1 || (scaleSaved !== undefined && scaleSaved.rank !== 1)) {
        if (previous === undefined) throw new Error('activeseg FusedBatchNorm gradient: unsupported mean rank');
        return previous.gradFunc(dyIn, saved, attrs);
      }
      const eps = Number(attrs.varianceEpsilon ?? 1e-3);
      const scale = scaleSaved ?? tf.onesLike(mean);
      let grads: tf.Tensor[];
      if (
        tf.getBackend() === 'wasm' &&
        tf.getKernel(BATCH_NORM_GRAD_KERNEL, 'wasm') !== undefined &&
        dy.dtype === 'float32'
      ) {
        grads = tf
          .engine()
          .runKernel(BATCH_NORM_GRAD_KERNEL, { x, dy, mean, variance, scale } as unknown as tf.NamedTensorMap, {
            varianceEpsilon: eps,
          }) as unknown as tf.Tensor[];
      } else {
        grads = batchNormGradOps(x, dy, mean, variance, scale, eps);
      }
      const [dx, dMean, dVar, dScale, dOffset] = grads as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return {
        x: () => dx,
        mean: () => dMean,
        variance: () => dVar,
        scale: () => dScale,
        offset: () => dOffset,
      };
    },
  };
}
