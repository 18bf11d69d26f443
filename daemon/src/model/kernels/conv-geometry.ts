import { backend_util, type Conv2DBackpropFilterAttrs } from '@tensorflow/tfjs-core';

type Shape4 = [number, number, number, number];

/** Geometry of one NHWC 2-D convolution `x [n,inH,inW,inC] * w [fh,fw,inC,outC] -> y [n,outH,outW,outC]`. */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  fh: number;
  fw: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

export function convGeometry(
  kernelName: string,
  xShape: number[],
  filterShape: number[],
  attrs: Pick<Conv2DBackpropFilterAttrs, 'strides' | 'pad' | 'dataFormat' | 'dimRoundingMode'> & {
    dilations?: number | [number, number];
  },
): ConvGeometry {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`activeseg wasm ${kernelName}: only dataFormat 'NHWC' is supported, got '${attrs.dataFormat}'`);
  }
  const dilations = attrs.dilations ?? 1;
  const [dh, dw] = typeof dilations === 'number' ? [dilations, dilations] : dilations;
  if (dh !== 1 || dw !== 1) {
    throw new Error(`activeseg wasm ${kernelName}: only dilation 1 is supported, got [${dh}, ${dw}]`);
  }
  if (xShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(
      `activeseg wasm ${kernelName}: expected rank-4 input and filter, got [${xShape}] and [${filterShape}]`,
    );
  }
  const info = backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    fh: info.filterHeight,
    fw: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    padBottom: info.padInfo.bottom,
    padRight: info.padInfo.right,
  };
}

/** Output columns `ox` whose tap `fj` lands inside the input row: `[lo, hi)`. */
export function validColumns(g: ConvGeometry, fj: number): [number, number] {
  const lo = Math.max(0, Math.ceil((g.padLeft - fj) / g.strideW));
  const hi = Math.min(g.outW, Math.floor((g.inW - 1 + g.padLeft - fj) / g.strideW) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Output rows per chunk so that a `[rows·outW, taps·channels]` scratch matrix stays under ~`budgetFloats`. Bounding it
 * keeps the paper's 512² model from asking the wasm heap (4 GiB max) for gigabyte-sized im2col buffers.
 */
export function rowsPerChunk(g: ConvGeometry, columns: number, budgetFloats = 1 << 23): number {
  return Math.max(1, Math.floor(budgetFloats / Math.max(1, columns * g.outW)));
}
