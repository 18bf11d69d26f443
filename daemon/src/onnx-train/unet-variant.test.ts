import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { withMcDropoutSettings } from '../model/layers/mc-dropout.js';
import { predictProbabilities } from '../model/segmenter.js';
import { useCpuBackend } from '../model/test-utils.js';
import { createUnet } from '../model/unet.js';
import { parseUnetConfig, type UnetConfigInput } from '../model/unet-config.js';
import { unetSpec } from '../model/unet-spec.js';
import { parseDropoutMaskSpecs } from '../onnx/dropout-mask-spec.js';
import { exportOnnx } from '../onnx/export-onnx.js';
import { createOnnxMcSession } from '../onnx/onnx-mc-session.js';
import { decodeOnnxModel } from '../onnx/onnx-proto.js';
import { randomizeNormalization } from '../onnx/randomize-normalization.js';
import { createOnnxTrainer } from './onnx-trainer.js';
import { expectTfjsGradients, maxDiff, trainBatch } from './test-utils.js';
import { buildTrainGraph } from './train-graph.js';
import { unetParamSpecs } from './unet-params.js';

/**
 * A U-Net that no preset uses (4 levels, base 12, 24², no dropout in the decoder), built only through `unetSpec`:
 * the tfjs model, the ONNX export, the training graph and its parameter list must all follow it. 24²: tfjs' cpu
 * backend took 90–200 s for the reference gradients at 48² on the shared 2-core machine.
 */
const SIZE = 24;
const BATCH = 2;
const variant = (overrides: UnetConfigInput = {}) =>
  parseUnetConfig({
    inputSize: SIZE,
    levels: 4,
    baseFilters: 12,
    decoderDropout: false,
    dropoutRate: 0.2,
    initSeed: 9,
    ...overrides,
  });
const specDropouts = unetSpec(variant())
  .filter((l) => l.kind === 'dropout')
  .map((l) => l.name);

describe('a U-Net variant no preset uses, through the one spec', () => {
  beforeAll(useCpuBackend);

  it('has dropout after the three max-pools only, in the tfjs model, the ONNX export and the training graph', () => {
    expect(specDropouts).toEqual(['drop_pool1', 'drop_pool2', 'drop_pool3']);
    const model = createUnet(variant());
    const exported = parseDropoutMaskSpecs(decodeOnnxModel(exportOnnx(model)).metadataProps);
    expect(exported.map((m) => m.input)).toEqual(specDropouts.map((name) => `${name}_mask`));
    const bnEpsilon = unetParamSpecs(variant()).batchNorms.map(() => 1e-3);
    const graph = buildTrainGraph({ config: variant(), batch: BATCH, bnEpsilon });
    expect(graph.dropouts.map((d) => d.name)).toEqual(specDropouts.map((name) => `mask/${name}`));
    expect(graph.dropouts.map((d) => d.dims)).toEqual([
      [BATCH, 12, 12, 12],
      [BATCH, 24, 6, 6],
      [BATCH, 48, 3, 3],
    ]);
    model.dispose();
  });

  it('exports to ONNX predicting what tfjs predicts (within 1e-4, trained-looking BatchNorm statistics)', async () => {
    const model = createUnet(variant());
    randomizeNormalization(model, 3);
    const images = trainBatch({ seed: 4, size: SIZE, batch: BATCH }).images;
    const expected = withMcDropoutSettings({ enabled: false }, () =>
      tf.tidy(() => (model.predict(tf.tensor4d(images, [BATCH, SIZE, SIZE, 1])) as tf.Tensor).dataSync()),
    ) as Float32Array;
    const engine = await createOnnxMcSession({ model: exportOnnx(model, { mcDropout: false }), intraOpThreads: 1 });
    const actual = await engine.predict(images, BATCH, SIZE);
    await engine.dispose();
    expect(maxDiff(actual, expected)).toBeLessThan(1e-4);
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.05);
    model.dispose();
  });

  // One loss: the structure is what varies here; both losses' graphs are checked on the preset in onnx-trainer.test.ts.
  it('gives from its training graph every gradient tfjs gives (dice, within 1e-4 relative)', async () => {
    const config = variant();
    const model = createUnet(config);
    randomizeNormalization(model, 5);
    await expectTfjsGradients(model, config, trainBatch({ seed: 6, size: SIZE, batch: BATCH }));
    model.dispose();
  });

  it('predicts from its training-side inference graph what tfjs predicts (moving statistics, within 1e-4)', async () => {
    const config = variant();
    const model = createUnet(config);
    randomizeNormalization(model, 7);
    const trainer = await createOnnxTrainer({ model, config, learningRate: 1e-2, epochs: 10, seed: 1, thread: 'main' });
    const { images } = trainBatch({ seed: 8, size: SIZE, batch: BATCH });
    const onnx = await trainer.predict(images, BATCH);
    await trainer.dispose();
    const tfjs = predictProbabilities(model, images, { size: SIZE, batchSize: BATCH });
    expect(maxDiff(onnx, tfjs)).toBeLessThan(1e-4);
    model.dispose();
  });
});
