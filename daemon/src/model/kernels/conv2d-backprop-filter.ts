import type {
  Conv2DBackpropFilterAttrs,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { type ConvGeometry, convGeometry, rowsPerChunk, validColumns } from './conv-geometry.js';
import {
  allocF32,
  asWasmBackend,
  f32Offset,
  heapF32,
  matmulXnn,
  release,
  type WasmBackendInternals,
} from './wasm-heap.js';

/**
 * dW [fh,fw,inC,outC] = Σ over output pixels of x-patch ⊗ dy. We write the patches transposed, `colT [fh·fw·inC, M]`
 * (M = output pixels of a chunk), so that `dW = colT · dy` is a plain no-transpose matmul and lands on XNNPACK's GEMM;
 * the row order (fi, fj, ci) makes the product already laid out as the filter. Chunks bound the scratch size (the
 * paper's 512² model would otherwise ask for ~300 MB per layer); their partial products are summed.
 */
export function conv2dBackpropFilterWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}): TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { x, dy } = args.inputs;
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  if (x === undefined || dy === undefined)
    throw new Error('activeseg wasm Conv2DBackpropFilter: needs inputs x and dy');
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error('activeseg wasm Conv2DBackpropFilter: only float32 is supported');
  }
  const g = convGeometry('Conv2DBackpropFilter', x.shape, attrs.filterShape, attrs);
  if (dy.shape.join() !== [g.batch, g.outH, g.outW, g.outC].join()) {
    throw new Error(
      `activeseg wasm Conv2DBackpropFilter: dy shape [${dy.shape}] does not match the convolution output`,
    );
  }
  // The padded-grid trick wastes (Hp·Wp)/(outH·outW) − 1 of the GEMM; past ~15 % (small maps: 8² → 56 %) the
  // per-element gather is cheaper than the wasted multiply-adds.
  const paddedOverhead = ((g.outH + g.fh - 1) * (g.outW + g.fw - 1)) / (g.outH * g.outW);
  const products =
    g.strideH === 1 && g.strideW === 1 && paddedOverhead < 1.15
      ? stride1Products(backend, g, x, dy)
      : stridedProducts(backend, g, x, dy);
  return sumProducts(backend, products, attrs.filterShape);
}

/** Adds the per-chunk `[taps, outC]` products into one filter-shaped tensor (no copy when there is one chunk). */
function sumProducts(backend: WasmBackendInternals, products: TensorInfo[], filterShape: number[]): TensorInfo {
  const [first, ...rest] = products;
  if (first === undefined) throw new Error('activeseg wasm Conv2DBackpropFilter: no output rows');
  const size = filterShape.reduce((a, b) => a * b, 1);
  if (rest.length > 0) {
    const heap = heapF32(backend);
    const dst = f32Offset(backend, first);
    for (const product of rest) {
      const src = f32Offset(backend, product);
      for (let i = 0; i < size; i++) heap[dst + i] = (heap[dst + i] as number) + (heap[src + i] as number);
    }
    release(backend, ...rest);
  }
  return { dataId: first.dataId, shape: [...filterShape], dtype: 'float32' };
}

/**
 * Stride 1, the 3×3 convs: work on the zero-padded input, `xT [inC, N·Hp·Wp]` (channel-major), and index output
 * pixels by their padded position p = (n·Hp + oy)·Wp + ox. Then tap (fi, fj) of channel ci over ALL output pixels is
 * the single contiguous run `xT[ci, p + fi·Wp + fj]`, so each colT row is one memmove instead of a gather. The price:
 * dy is embedded in the same padded grid with zeros where no output pixel exists (oy ≥ outH or ox ≥ outW), which adds
 * (Hp·Wp)/(outH·outW) − 1 work: 3 % at 128², 56 % at 8² where everything is tiny anyway.
 */
function stride1Products(backend: WasmBackendInternals, g: ConvGeometry, x: TensorInfo, dy: TensorInfo): TensorInfo[] {
  const { batch, inH, inW, inC, outH, outW, outC, fh, fw, padTop, padLeft } = g;
  const hp = outH + fh - 1;
  const wp = outW + fw - 1;
  const plane = batch * hp * wp;
  // Reads reach up to (fh−1)·Wp + fw−1 past the last padded pixel; keep that tail zero too.
  const xtStride = plane + (fh - 1) * wp + (fw - 1);
  const taps = fh * fw * inC;
  const xT = allocF32(backend, [inC, xtStride]);
  {
    const heap = heapF32(backend);
    const xtOff = f32Offset(backend, xT);
    const xOff = f32Offset(backend, x);
    heap.fill(0, xtOff, xtOff + inC * xtStride);
    for (let n = 0; n < batch; n++) {
      for (let y = 0; y < inH; y++) {
        const py = y + padTop;
        if (py < 0 || py >= hp) continue;
        for (let xx = 0; xx < inW; xx++) {
          const px = xx + padLeft;
          if (px < 0 || px >= wp) continue;
          const src = xOff + ((n * inH + y) * inW + xx) * inC;
          const dst = xtOff + (n * hp + py) * wp + px;
          for (let ci = 0; ci < inC; ci++) heap[dst + ci * xtStride] = heap[src + ci] as number;
        }
      }
    }
  }
  const products: TensorInfo[] = [];
  const chunkRows = rowsPerChunk({ ...g, outW: wp }, taps);
  const totalRows = batch * hp;
  for (let row0 = 0; row0 < totalRows; row0 += chunkRows) {
    const rows = Math.min(chunkRows, totalRows - row0);
    const m = rows * wp;
    const p0 = row0 * wp;
    const colT = allocF32(backend, [taps, m]);
    const dyChunk = allocF32(backend, [m, outC]);
    const heap = heapF32(backend);
    const xtOff = f32Offset(backend, xT);
    const colOff = f32Offset(backend, colT);
    for (let fi = 0; fi < fh; fi++) {
      for (let fj = 0; fj < fw; fj++) {
        for (let ci = 0; ci < inC; ci++) {
          const from = xtOff + ci * xtStride + p0 + fi * wp + fj;
          heap.copyWithin(colOff + ((fi * fw + fj) * inC + ci) * m, from, from + m);
        }
      }
    }
    const dyOff = f32Offset(backend, dy);
    const dcOff = f32Offset(backend, dyChunk);
    heap.fill(0, dcOff, dcOff + m * outC);
    for (let r = 0; r < rows; r++) {
      const pr = row0 + r;
      const n = Math.floor(pr / hp);
      const oy = pr - n * hp;
      if (oy >= outH) continue;
      const from = dyOff + (n * outH + oy) * outW * outC;
      heap.copyWithin(dcOff + r * wp * outC, from, from + outW * outC);
    }
    products.push(matmulXnn(backend, colT, taps, m, dyChunk, outC));
    release(backend, colT, dyChunk);
  }
  release(backend, xT);
  return products;
}

function stridedProducts(backend: WasmBackendInternals, g: ConvGeometry, x: TensorInfo, dy: TensorInfo): TensorInfo[] {
  const taps = g.fh * g.fw * g.inC;
  const totalRows = g.batch * g.outH;
  const chunkRows = rowsPerChunk(g, taps);
  const products: TensorInfo[] = [];
  for (let row0 = 0; row0 < totalRows; row0 += chunkRows) {
    products.push(chunkProduct(backend, g, x, dy, row0, Math.min(chunkRows, totalRows - row0)));
  }
  return products;
}

/** colT · dy for output rows `[row0, row0+rows)` (a row is one (n, oy)); returns a `[taps, outC]` tensor. */
function chunkProduct(
  backend: WasmBackendInternals,
  g: ConvGeometry,
  x: TensorInfo,
  dy: TensorInfo,
  row0: number,
  rows: number,
): TensorInfo {
  const taps = g.fh * g.fw * g.inC;
  const m = rows * g.outW;
  const colT = allocF32(backend, [taps, m]);
  const dyChunk = allocF32(backend, [m, g.outC]);
  const heap = heapF32(backend);
  const colOff = f32Offset(backend, colT);
  const xOff = f32Offset(backend, x);
  const dyOff = f32Offset(backend, dy) + row0 * g.outW * g.outC;
  // A private copy of dy: XNNPACK caches its packed copy of `b` by tensor id alone (see matmulXnn).
  heap.copyWithin(f32Offset(backend, dyChunk), dyOff, dyOff + m * g.outC);

  const { inH, inW, inC, outH, outW, strideH, strideW, padTop, padLeft } = g;
  const xStep = strideW * inC;
  for (let fi = 0; fi < g.fh; fi++) {
    for (let fj = 0; fj < g.fw; fj++) {
      const [lo, hi] = validColumns(g, fj);
      for (let ci = 0; ci < inC; ci++) {
        const rowBase = colOff + ((fi * g.fw + fj) * inC + ci) * m;
        for (let r = 0; r < rows; r++) {
          const nr = row0 + r;
          const n = Math.floor(nr / outH);
          const y = (nr - n * outH) * strideH + fi - padTop;
          const dst = rowBase + r * outW;
          if (y < 0 || y >= inH) {
            heap.fill(0, dst, dst + outW);
            continue;
          }
          if (lo > 0) heap.fill(0, dst, dst + lo);
          if (hi < outW) heap.fill(0, dst + hi, dst + outW);
          let src = xOff + ((n * inH + y) * inW + lo * strideW + fj - padLeft) * inC + ci;
          for (let ox = lo; ox < hi; ox++, src += xStep) heap[dst + ox] = heap[src] as number;
        }
      }
    }
  }
  const product = matmulXnn(backend, colT, taps, m, dyChunk, g.outC);
  release(backend, colT, dyChunk);
  return product;
}

export const conv2dBackpropFilterWasmConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as KernelFunc,
};
