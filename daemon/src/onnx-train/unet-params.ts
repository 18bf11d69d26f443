import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { filtersAtLevel, type UnetConfig } from '../model/unet-config.js';
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

/** The U-Net's parameters in the order the training graph declares them, and its BatchNorm layers. */
export function unetParamSpecs(config: UnetConfig): { params: ParamSpec[]; batchNorms: BatchNormSpec[] } {
  const params: ParamSpec[] = [];
  const batchNorms: BatchNormSpec[] = [];
  const add = (layer: string, weight: ParamSpec['weight'], dims: number[]) =>
    params.push({ name: `${layer}/${weight}`, layer, weight, dims, size: dims.reduce((a, b) => a * b, 1) });
  const block = (prefix: string, cin: number, cout: number) => {
    for (const i of [1, 2]) {
      add(`${prefix}_conv${i}`, 'kernel', [cout, i === 1 ? cin : cout, 3, 3]);
      add(`${prefix}_conv${i}`, 'bias', [cout]);
      add(`${prefix}_bn${i}`, 'gamma', [1, cout, 1, 1]);
      add(`${prefix}_bn${i}`, 'beta', [1, cout, 1, 1]);
      batchNorms.push({ layer: `${prefix}_bn${i}`, channels: cout });
    }
  };
  for (let level = 1; level <= config.levels; level++) {
    const cin = level === 1 ? config.channels : filtersAtLevel(config, level - 1);
    block(`enc${level}`, cin, filtersAtLevel(config, level));
  }
  for (let level = config.levels - 1; level >= 1; level--) {
    const f = filtersAtLevel(config, level);
    add(`up${level}`, 'kernel', [filtersAtLevel(config, level + 1), f, 2, 2]);
    add(`up${level}`, 'bias', [f]);
    block(`dec${level}`, 2 * f, f);
  }
  add('head', 'kernel', [1, config.baseFilters, 1, 1]);
  add('head', 'bias', [1]);
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
