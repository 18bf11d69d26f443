import type { LayersModel } from '@tensorflow/tfjs-layers';

type Layer = LayersModel['layers'][number];

/**
 * A layer's weight variable by suffix ('kernel', 'bias', 'gamma', 'moving_mean', …). Variable names look like
 * 'conv2d_3/kernel' (sometimes with a uniquifying '_1' after the layer part).
 */
export function findLayerWeight(layer: Layer, suffix: string) {
  return layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`) || w.name.endsWith(`/${suffix}`));
}

/**
 * Moves a tfjs kernel [kH, kW, c2, c3] into ONNX layout [c3, c2, kH, kW], or back with `direction` 'toTfjs'. The
 * same permutation serves both ops: Conv2D [kH, kW, Cin, Cout] ↔ Conv [Cout, Cin, kH, kW]; Conv2DTranspose
 * [kH, kW, Cout, Cin] ↔ ConvTranspose [Cin, Cout, kH, kW].
 */
export function reorderKernel(
  source: Float32Array,
  tfjsShape: { kH: number; kW: number; c2: number; c3: number },
  direction: 'toOnnx' | 'toTfjs' = 'toOnnx',
): Float32Array {
  const { kH, kW, c2, c3 } = tfjsShape;
  const out = new Float32Array(source.length);
  const plane = kH * kW;
  for (let spatial = 0; spatial < plane; spatial++) {
    for (let a = 0; a < c2; a++) {
      const tfjsBase = (spatial * c2 + a) * c3;
      for (let b = 0; b < c3; b++) {
        const onnx = (b * c2 + a) * plane + spatial;
        if (direction === 'toOnnx') out[onnx] = source[tfjsBase + b] as number;
        else out[tfjsBase + b] = source[onnx] as number;
      }
    }
  }
  return out;
}
