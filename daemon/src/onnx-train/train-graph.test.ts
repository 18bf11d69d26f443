import { describe, expect, it } from 'vitest';
import { parseUnetConfig } from '../model/unet-config.js';
import { decodeOnnxModel } from '../onnx/onnx-proto.js';
import { buildInferenceGraph, buildTrainGraph } from './train-graph.js';

const config = parseUnetConfig({ inputSize: 32, levels: 3, baseFilters: 4, dropoutRate: 0.2 });
const bnEpsilon = new Array(4 * 3 - 2).fill(1e-3);

describe('training graph writer', () => {
  for (const [mode, build] of [
    ['train', () => buildTrainGraph({ config, batch: 2, bnEpsilon })],
    ['infer', () => buildInferenceGraph({ config, batch: 2, bnEpsilon })],
  ] as const) {
    it(`leaves no unused initializer or input in the ${mode} graph (onnxruntime warns about each on stderr)`, () => {
      const graph = decodeOnnxModel(build().bytes).graph;
      const consumed = new Set(graph.node.flatMap((n) => n.input));
      const unusedInitializers = graph.initializer.map((t) => t.name).filter((name) => !consumed.has(name));
      const unusedInputs = graph.input.map((i) => i.name).filter((name) => !consumed.has(name));
      expect(unusedInitializers).toEqual([]);
      expect(unusedInputs).toEqual([]);
    });
  }

  it('declares one dropout mask input per dropout layer in training and none for inference', () => {
    expect(buildTrainGraph({ config, batch: 2, bnEpsilon }).dropouts.map((d) => d.name)).toEqual([
      'mask/drop_pool1',
      'mask/drop_pool2',
      'mask/drop_concat2',
      'mask/drop_concat1',
    ]);
    expect(buildInferenceGraph({ config, batch: 2, bnEpsilon }).dropouts).toEqual([]);
  });

  it('refuses a BatchNorm epsilon list of the wrong length', () => {
    expect(() => buildTrainGraph({ config, batch: 2, bnEpsilon: [1e-3] })).toThrow(/1 BatchNorm epsilons for 10/);
  });
});
