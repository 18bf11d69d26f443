import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { UnetConfig } from '../model/unet-config.js';
import { unetSpec, type WeightSpec } from '../model/unet-spec.js';
import { findLayerWeight, reorderKernel } from '../onnx/tfjs-weight-layout.js';

/** One trainable tensor of the U-Net in ONNX layout (conv kernels [Cout, Cin, k, k], transposed [Cin, Cout, 2, 2]). */
export interface ParamSpec {
  /** Graph input name; the gradient comes out as `grad/<name>`. */
  readonly name: string;
  /** tfjs layer and weight suffix it mirrors, e.g. `enc1_conv1` + `kernel`. */
  readonly layer: string;
  readonly weight: 'kernel' | 'bias' | 'gamma' | 'beta';
  readonly dims: readonly number[];
  readonly size: number;
}

/** A BatchNorm layer's moving statistics and the momentum/epsilon it was configured with. */
export interface MovingStats {
  mean: Float32Array;
  variance: Float32Array;
  momentum: number;
  epsilon: number;
}

/** A BatchNormalization layer trained with batch moments; its moving statistics are updated outside the graph. */
export interface BatchNormSpec {
  readonly layer: string;
  readonly channels: number;
}

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** ONNX dims of a spec weight: kernels [kH, kW, c2, c3] → [c3, c2, kH, kW], BatchNorm γ/β broadcast as [1, C, 1, 1]. */
function onnxDims({ weight, shape }: WeightSpec): number[] {
  if (weight === 'kernel') {
    const [kH, kW, c2, c3] = shape as [number, number, number, number];
    return [c3, c2, kH, kW];
  }
  return weight === 'bias' ? [...shape] : [1, shape[0] as number, 1, 1];
}

/** The U-Net's parameters in the order the training graph declares them ({@link unetSpec} order), and its BatchNorms. */
export function unetParamSpecs(config: UnetConfig): { params: ParamSpec[]; batchNorms: BatchNormSpec[] } {
  const spec = unetSpec(config);
  const params = spec.flatMap((layer) =>
    layer.weights.map((w): ParamSpec => {
      const dims = onnxDims(w);
      return { name: `${layer.name}/${w.weight}`, layer: layer.name, weight: w.weight, dims, size: product(dims) };
    }),
  );
  const batchNorms = spec
    .filter((layer) => layer.kind === 'batchNorm')
    .map((layer) => ({ layer: layer.name, channels: layer.shape[2] }));
  return { params, batchNorms };
}

function variableOf(model: LayersModel, layerName: string, suffix: string): tf.Variable {
  const found = findLayerWeight(model.getLayer(layerName), suffix);
  if (found === undefined) throw new Error(`onnx trainer: layer ${layerName} has no weight '${suffix}'`);
  return found.read() as tf.Variable;
}

/** tfjs' [kH, kW, c2, c3] shape of a kernel whose ONNX dims are [c3, c2, kH, kW]. */
function tfjsKernelShape(dims: readonly number[]) {
  const [c3, c2, kH, kW] = dims as [number, number, number, number];
  return { kH, kW, c2, c3 };
}

/** Copies the model's trainable weights into fresh ONNX-layout arrays. */
export function readParams(model: LayersModel, specs: readonly ParamSpec[]): Float32Array[] {
  return specs.map((spec) => {
    const data = variableOf(model, spec.layer, spec.weight).dataSync() as Float32Array;
    if (data.length !== spec.size) {
      throw new Error(`onnx trainer: ${spec.name} has ${data.length} values, the graph expects ${spec.size}`);
    }
    return spec.weight === 'kernel' ? reorderKernel(data, tfjsKernelShape(spec.dims)) : Float32Array.from(data);
  });
}

/** Writes ONNX-layout parameters (and BatchNorm moving statistics) back into the model's variables. */
export function writeParams(
  model: LayersModel,
  specs: readonly ParamSpec[],
  values: readonly Float32Array[],
  batchNorms: readonly BatchNormSpec[],
  moving: readonly Pick<MovingStats, 'mean' | 'variance'>[],
): void {
  const assign = (variable: tf.Variable, data: Float32Array) => {
    const t = tf.tensor(data, variable.shape, 'float32');
    variable.assign(t);
    t.dispose();
  };
  specs.forEach((spec, i) => {
    const data = values[i] as Float32Array;
    assign(
      variableOf(model, spec.layer, spec.weight),
      spec.weight === 'kernel' ? reorderKernel(data, tfjsKernelShape(spec.dims), 'toTfjs') : data,
    );
  });
  batchNorms.forEach((bn, i) => {
    const stats = moving[i];
    if (stats === undefined) throw new Error(`onnx trainer: no moving statistics for ${bn.layer}`);
    assign(variableOf(model, bn.layer, 'moving_mean'), stats.mean);
    assign(variableOf(model, bn.layer, 'moving_variance'), stats.variance);
  });
}

/** The model's BatchNorm moving statistics and the momentum/epsilon the layers were configured with. */
export function readBatchNormState(model: LayersModel, batchNorms: readonly BatchNormSpec[]): MovingStats[] {
  return batchNorms.map((bn) => {
    const layerConfig = model.getLayer(bn.layer).getConfig();
    return {
      mean: Float32Array.from(variableOf(model, bn.layer, 'moving_mean').dataSync() as Float32Array),
      variance: Float32Array.from(variableOf(model, bn.layer, 'moving_variance').dataSync() as Float32Array),
      momentum: Number(layerConfig.momentum ?? 0.99),
      epsilon: Number(layerConfig.epsilon ?? 1e-3),
    };
  });
}
