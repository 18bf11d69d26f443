import type {
  Conv2DBackpropInputAttrs,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { type ConvGeometry, convGeometry, rowsPerChunk } from './conv-geometry.js';
import {
  allocF32,
  asWasmBackend,
  callWasmKernel,
  f32Offset,
  heapF32,
  matmulXnn,
  release,
  type WasmBackendInternals,
} from './wasm-heap.js';

/**
 * dx of a convolution (also the forward pass of a transposed convolution). tfjs-backend-wasm ships this kernel as a
 * scalar C loop; we replace it with XNNPACK-backed paths:
 * - stride 1: dx is an ordinary convolution of dy with the spatially flipped, in/out-swapped filter, run by the wasm
 *   Conv2D kernel (XNNPACK indirect convolution, no scratch matrix);
 * - other strides: `Z = dy · Wᵀ` (one GEMM, Z is [M, fh·fw·inC]) followed by a col2im scatter-add into dx.
 */
export function conv2dBackpropInputWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}): TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { dy, filter } = args.inputs;
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  if (dy === undefined || filter === undefined) {
    throw new Error('activeseg wasm Conv2DBackpropInput: needs inputs dy and filter');
  }
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') {
    throw new Error('activeseg wasm Conv2DBackpropInput: only float32 is supported');
  }
  const g = convGeometry('Conv2DBackpropInput', attrs.inputShape, filter.shape, attrs);
  if (dy.shape.join() !== [g.batch, g.outH, g.outW, g.outC].join()) {
    throw new Error(`activeseg wasm Conv2DBackpropInput: dy shape [${dy.shape}] does not match the convolution output`);
  }
  const flippedPads = [g.fh - 1 - g.padTop, g.fh - 1 - g.padBottom, g.fw - 1 - g.padLeft, g.fw - 1 - g.padRight];
  if (g.strideH === 1 && g.strideW === 1 && flippedPads.every((p) => p >= 0)) {
    return viaFlippedConv(backend, g, dy, filter, flippedPads as [number, number, number, number]);
  }
  return viaGemmCol2im(backend, g, dy, filter);
}

function viaFlippedConv(
  backend: WasmBackendInternals,
  g: ConvGeometry,
  dy: TensorInfo,
  filter: TensorInfo,
  [top, bottom, left, right]: [number, number, number, number],
): TensorInfo {
  const { fh, fw, inC, outC } = g;
  const flipped = allocF32(backend, [fh, fw, outC, inC]);
  const heap = heapF32(backend);
  const src = f32Offset(backend, filter);
  const dst = f32Offset(backend, flipped);
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const from = src + ((fh - 1 - i) * fw + (fw - 1 - j)) * inC * outC;
      const to = dst + (i * fw + j) * outC * inC;
      for (let ci = 0; ci < inC; ci++) {
        for (let co = 0; co < outC; co++) heap[to + co * inC + ci] = heap[from + ci * outC + co] as number;
      }
    }
  }
  const dx = callWasmKernel(
    backend,
    'Conv2D',
    { x: dy, filter: flipped },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [1, 1],
    },
  );
  // Disposing the filter also drops the XNNPACK operator the Conv2D kernel cached for it.
  release(backend, flipped);
  if (dx.shape.join() !== [g.batch, g.inH, g.inW, g.inC].join()) {
    release(backend, dx);
    throw new Error(`activeseg wasm Conv2DBackpropInput: flipped convolution gave [${dx.shape}]`);
  }
  return dx;
}

function viaGemmCol2im(backend: WasmBackendInternals, g: ConvGeometry, dy: TensorInfo, filter: TensorInfo): TensorInfo {
  const { batch, inH, inW, inC, outH, outW, outC, fh, fw, strideH, strideW, padTop, padLeft } = g;
  const taps = fh * fw * inC;
  // Wᵀ [outC, taps]: a fresh tensor anyway, which XNNPACK's by-id weight cache requires (see matmulXnn).
  const wT = allocF32(backend, [outC, taps]);
  const dx = allocF32(backend, [batch, inH, inW, inC]);
  {
    const heap = heapF32(backend);
    const src = f32Offset(backend, filter);
    const dst = f32Offset(backend, wT);
    for (let t = 0; t < taps; t++) {
      for (let co = 0; co < outC; co++) heap[dst + co * taps + t] = heap[src + t * outC + co] as number;
    }
    const dxOff = f32Offset(backend, dx);
    heap.fill(0, dxOff, dxOff + batch * inH * inW * inC);
  }
  const totalRows = batch * outH;
  const chunkRows = rowsPerChunk(g, taps);
  for (let row0 = 0; row0 < totalRows; row0 += chunkRows) {
    const rows = Math.min(chunkRows, totalRows - row0);
    const m = rows * outW;
    let a = dy;
    if (rows !== totalRows) {
      a = allocF32(backend, [m, outC]);
      const heap = heapF32(backend);
      const from = f32Offset(backend, dy) + row0 * outW * outC;
      heap.copyWithin(f32Offset(backend, a), from, from + m * outC);
    }
    const z = matmulXnn(backend, a, m, outC, wT, taps);
    if (a !== dy) release(backend, a);
    const heap = heapF32(backend);
    const zOff = f32Offset(backend, z);
    const dxOff = f32Offset(backend, dx);
    for (let r = 0; r < rows; r++) {
      const nr = row0 + r;
      const n = Math.floor(nr / outH);
      const oy = nr - n * outH;
      for (let fi = 0; fi < fh; fi++) {
        const y = oy * strideH + fi - padTop;
        if (y < 0 || y >= inH) continue;
        const dxRow = dxOff + (n * inH + y) * inW * inC;
        for (let ox = 0; ox < outW; ox++) {
          const zPix = zOff + (r * outW + ox) * taps + fi * fw * inC;
          for (let fj = 0; fj < fw; fj++) {
            const xx = ox * strideW + fj - padLeft;
            if (xx < 0 || xx >= inW) continue;
            const d = dxRow + xx * inC;
            const s = zPix + fj * inC;
            for (let ci = 0; ci < inC; ci++) heap[d + ci] = (heap[d + ci] as number) + (heap[s + ci] as number);
          }
        }
      }
    }
    release(backend, z);
  }
  release(backend, wT);
  return dx;
}

export const conv2dBackpropInputWasmConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputWasm as KernelFunc,
};
