import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { allocF32, asWasmBackend, f32Offset, heapF32 } from './wasm-heap.js';

/**
 * Replacements for wasm kernels that are pure data movement but were among the slowest of a U-Net train step.
 * Each one handles the case the U-Net hits and hands every other case to the kernel it displaced.
 */
type KernelArgs = { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap };
export type KernelFactory = (previous: KernelConfig | undefined) => KernelConfig;

function delegate(previous: KernelConfig | undefined, name: string, args: KernelArgs) {
  if (previous === undefined) throw new Error(`activeseg wasm ${name}: case not handled and no fallback kernel`);
  return previous.kernelFunc(args as Parameters<KernelFunc>[0]);
}

/**
 * Identity (and so tf.clone, which the engine runs on every tensor it saves for backprop) copies the whole tensor on
 * wasm; tensors are immutable, so sharing the data with a reference count is enough, as the cpu backend does.
 */
export const identityAlias: KernelFactory = () => ({
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: ((args: KernelArgs) => {
    const x = args.inputs.x;
    const backend = args.backend as { incRef(dataId: object): void };
    if (x === undefined) throw new Error('activeseg wasm Identity: needs x');
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  }) as KernelFunc,
});

/** Same-dtype Cast (the gradient of every clone) is an identity too. */
export const castAlias: KernelFactory = (previous) => ({
  kernelName: 'Cast',
  backendName: 'wasm',
  kernelFunc: ((args: KernelArgs) => {
    const x = args.inputs.x;
    if (x !== undefined && x.dtype === args.attrs?.dtype && x.dtype !== 'string') {
      (args.backend as { incRef(dataId: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    }
    return delegate(previous, 'Cast', args);
  }) as KernelFunc,
});

function lastAxis(axis: unknown, rank: number): boolean {
  const value = Array.isArray(axis) ? axis[0] : axis;
  return value === -1 || value === rank - 1;
}

/**
 * Concat along the channel axis (the U-Net's skip connections). The stock wasm kernel goes through the JS cpu
 * implementation with per-row subarray copies; here it is one interleaving loop per input.
 */
export const concatChannels: KernelFactory = (previous) => ({
  kernelName: 'Concat',
  backendName: 'wasm',
  kernelFunc: ((args: KernelArgs) => {
    const inputs = Object.values(args.inputs).filter((t): t is TensorInfo => t !== undefined);
    const first = inputs[0];
    if (
      first === undefined ||
      inputs.length < 2 ||
      !inputs.every((t) => t.dtype === 'float32' && t.shape.length === first.shape.length) ||
      !lastAxis(args.attrs?.axis, first.shape.length) ||
      !inputs.every((t) => t.shape.slice(0, -1).join() === first.shape.slice(0, -1).join())
    ) {
      return delegate(previous, 'Concat', args);
    }
    const backend = asWasmBackend(args.backend);
    const rows = util.sizeFromShape(first.shape.slice(0, -1));
    const widths = inputs.map((t) => t.shape[t.shape.length - 1] ?? 0);
    const total = widths.reduce((a, b) => a + b, 0);
    const out = allocF32(backend, [...first.shape.slice(0, -1), total]);
    const heap = heapF32(backend);
    const outOff = f32Offset(backend, out);
    let col = 0;
    inputs.forEach((t, k) => {
      const w = widths[k] ?? 0;
      const src = f32Offset(backend, t);
      for (let r = 0; r < rows; r++) {
        const s = src + r * w;
        const d = outOff + r * total + col;
        for (let c = 0; c < w; c++) heap[d + c] = heap[s + c] as number;
      }
      col += w;
    });
    return out;
  }) as KernelFunc,
});

/** SplitV along the channel axis (gradient of the concat); the stock kernel slices row by row with subarrays. */
export const splitChannels: KernelFactory = (previous) => ({
  kernelName: 'SplitV',
  backendName: 'wasm',
  kernelFunc: ((args: KernelArgs) => {
    const x = args.inputs.x;
    if (x === undefined || x.dtype !== 'float32' || !lastAxis(args.attrs?.axis, x.shape.length)) {
      return delegate(previous, 'SplitV', args);
    }
    const backend = asWasmBackend(args.backend);
    const rank = x.shape.length;
    const total = x.shape[rank - 1] ?? 0;
    const sizes = backend_util.prepareSplitSize(
      x as never,
      args.attrs?.numOrSizeSplits as number | number[],
      rank - 1,
    ) as number[];
    const rows = util.sizeFromShape(x.shape.slice(0, -1));
    const outs = sizes.map((w) => allocF32(backend, [...x.shape.slice(0, -1), w]));
    const heap = heapF32(backend);
    const src = f32Offset(backend, x);
    let col = 0;
    outs.forEach((out, k) => {
      const w = sizes[k] ?? 0;
      const dst = f32Offset(backend, out);
      for (let r = 0; r < rows; r++) {
        const s = src + r * total + col;
        const d = dst + r * w;
        for (let c = 0; c < w; c++) heap[d + c] = heap[s + c] as number;
      }
      col += w;
    });
    return outs;
  }) as KernelFunc,
});

/**
 * MaxPoolGrad: route each dy to the first maximum of its window (the cpu backend's tie rule; padding never wins).
 * The stock wasm kernel is a scalar loop that cost ~30 ms per 128² layer.
 */
export const maxPoolGradRouting: KernelFactory = (previous) => ({
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: ((args: KernelArgs) => {
    const { dy, input } = args.inputs;
    const attrs = args.attrs ?? {};
    if (dy === undefined || input === undefined || input.dtype !== 'float32' || input.shape.length !== 4) {
      return delegate(previous, 'MaxPoolGrad', args);
    }
    const info = backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      attrs.filterSize as [number, number] | number,
      attrs.strides as [number, number] | number,
      1,
      attrs.pad as 'valid' | 'same' | number,
      attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    );
    const backend = asWasmBackend(args.backend);
    const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth, strideHeight, strideWidth } = info;
    const fh = info.effectiveFilterHeight;
    const fw = info.effectiveFilterWidth;
    const dx = allocF32(backend, [...input.shape]);
    const heap = heapF32(backend);
    const xOff = f32Offset(backend, input);
    const dyOff = f32Offset(backend, dy);
    const dxOff = f32Offset(backend, dx);
    heap.fill(0, dxOff, dxOff + batchSize * inHeight * inWidth * ch);
    for (let n = 0; n < batchSize; n++) {
      for (let oy = 0; oy < outHeight; oy++) {
        const y0 = oy * strideHeight - info.padInfo.top;
        const yLo = Math.max(0, y0);
        const yHi = Math.min(inHeight, y0 + fh);
        for (let ox = 0; ox < outWidth; ox++) {
          const x0 = ox * strideWidth - info.padInfo.left;
          const xLo = Math.max(0, x0);
          const xHi = Math.min(inWidth, x0 + fw);
          const dyPix = dyOff + ((n * outHeight + oy) * outWidth + ox) * ch;
          for (let c = 0; c < ch; c++) {
            let best = Number.NEGATIVE_INFINITY;
            let at = -1;
            for (let y = yLo; y < yHi; y++) {
              for (let xx = xLo; xx < xHi; xx++) {
                const i = ((n * inHeight + y) * inWidth + xx) * ch + c;
                const v = heap[xOff + i] as number;
                if (v > best) {
                  best = v;
                  at = i;
                }
              }
            }
            if (at >= 0) heap[dxOff + at] = (heap[dxOff + at] as number) + (heap[dyPix + c] as number);
          }
        }
      }
    }
    return dx;
  }) as KernelFunc,
});
