import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import {
  model as functionalModel,
  input,
  type LayersModel,
  layers,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { McDropout, withMcDropoutSettings } from '../model/layers/mc-dropout.js';
import { createUnet } from '../model/unet.js';
import { parseUnetConfig, type UnetConfigInput } from '../model/unet-config.js';
import { DROPOUT_MASKS_KEY, parseDropoutMaskSpecs, parseDropoutSeed, spatialSize } from './dropout-mask-spec.js';
import { exportOnnx } from './export-onnx.js';
import { createOnnxMcSession } from './onnx-mc-session.js';
import { decodeOnnxModel } from './onnx-proto.js';
import { randomizeNormalization } from './randomize-normalization.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function unet(config: UnetConfigInput): LayersModel {
  return createUnet(parseUnetConfig(config));
}

function randomInput(n: number, size: number, channels: number, seed: number): tf.Tensor4D {
  return tf.randomUniform([n, size, size, channels], 0, 1, 'float32', seed) as tf.Tensor4D;
}

/** Deterministic tfjs prediction (McDropout switched off) as a flat NHWC array. */
function tfjsPredict(model: LayersModel, x: tf.Tensor4D): Float32Array {
  return withMcDropoutSettings({ enabled: false }, () => {
    const y = model.predict(x) as tf.Tensor;
    const data = y.dataSync() as Float32Array;
    y.dispose();
    return data;
  });
}

async function onnxPredict(model: LayersModel, x: tf.Tensor4D): Promise<Float32Array> {
  const engine = await createOnnxMcSession({ model: exportOnnx(model, { mcDropout: false }), intraOpThreads: 1 });
  try {
    const [n, size] = x.shape;
    return await engine.predict(x.dataSync() as Float32Array, n, size);
  } finally {
    await engine.dispose();
  }
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function opTypes(bytes: Uint8Array): string[] {
  return decodeOnnxModel(bytes).graph.node.map((node) => node.opType);
}

function maskInputs(bytes: Uint8Array): string[] {
  return parseDropoutMaskSpecs(decodeOnnxModel(bytes).metadataProps).map((spec) => spec.input);
}

describe('exportOnnx', () => {
  it('matches tfjs predict within 1e-4 on a small U-Net with trained-looking BatchNorm statistics, exporting all of its dropout layers', async () => {
    const model = unet({ inputSize: 32, levels: 3, baseFilters: 4, initSeed: 5 });
    randomizeNormalization(model, 17);
    const x = randomInput(2, 32, 1, 6);
    const expected = tfjsPredict(model, x);
    expect(maxAbsDifference(expected, await onnxPredict(model, x))).toBeLessThan(1e-4);
    // Guard against a vacuous pass: the BatchNorm statistics must actually move the output.
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.05);
    expect(maskInputs(exportOnnx(model))).toHaveLength(4);
    expect(
      opTypes(exportOnnx(model, { dropoutMasks: 'graph' })).filter((op) => op === 'RandomUniformLike'),
    ).toHaveLength(4);
  });

  it('folds every BatchNormalization into the conv before it and keeps the graph NCHW between two transposes', () => {
    const model = unet({ inputSize: 32, levels: 3, baseFilters: 4 });
    const ops = opTypes(exportOnnx(model, { mcDropout: false }));
    expect(ops).not.toContain('BatchNormalization');
    expect(ops.filter((op) => op === 'Conv')).toHaveLength(11);
    expect(ops.filter((op) => op === 'ConvTranspose')).toHaveLength(2);
    expect(ops.filter((op) => op === 'Transpose')).toHaveLength(2);
    expect(ops[0]).toBe('Transpose');
    expect(ops.at(-1)).toBe('Transpose');
  });

  it('omits dropout with mcDropout false and builds one random mask per dropout layer with mcDropout true', () => {
    const model = unet({ inputSize: 32, levels: 3, baseFilters: 4 });
    const deterministic = decodeOnnxModel(exportOnnx(model, { mcDropout: false }));
    expect(deterministic.graph.node.map((node) => node.opType)).not.toContain('RandomUniformLike');
    expect(deterministic.graph.input).toHaveLength(1);
    const graphMasks = decodeOnnxModel(exportOnnx(model, { dropoutMasks: 'graph' }));
    // 3 levels: 2 pools + 2 concats, each followed by dropout.
    expect(graphMasks.graph.node.filter((node) => node.opType === 'RandomUniformLike')).toHaveLength(4);
    expect(graphMasks.metadataProps).toContainEqual({ key: 'activeseg.dropoutLayers', value: '4' });
    expect(graphMasks.metadataProps.map((prop) => prop.key)).not.toContain(DROPOUT_MASKS_KEY);
    const inputMasks = decodeOnnxModel(exportOnnx(model));
    expect(inputMasks.graph.node.map((node) => node.opType)).not.toContain('RandomUniformLike');
    expect(inputMasks.metadataProps).toContainEqual({ key: 'activeseg.dropoutLayers', value: '4' });
  });

  it('declares one NCHW mask input per dropout layer, sized and described in the metadata', () => {
    const model = unet({ inputSize: 32, levels: 3, baseFilters: 4, dropoutRate: 0.25 });
    const decoded = decodeOnnxModel(exportOnnx(model, { seed: 9 }));
    const specs = parseDropoutMaskSpecs(decoded.metadataProps);
    // pool1 (4 ch, 16²), pool2 (8 ch, 8²), then the concats: level 2 (8 + 8 ch, 16²), level 1 (4 + 4 ch, 32²).
    expect(specs.map((spec) => [spec.channels, ...spatialSize(spec.steps, 32, 32)])).toEqual([
      [4, 16, 16],
      [8, 8, 8],
      [16, 16, 16],
      [8, 32, 32],
    ]);
    for (const spec of specs) {
      expect(spec.rate).toBe(0.25);
      // Every dropout here feeds convs only, so the rescale lives in their weights and a mask is plain 0/1.
      expect(spec.keep).toBe(1);
      const input = decoded.graph.input.find((value) => value.name === spec.input);
      expect(input?.type.tensorType.shape.dim).toEqual([
        { dimParam: 'batch' },
        { dimValue: spec.channels },
        ...spatialSize(spec.steps, 32, 32).map((dimValue) => ({ dimValue })),
      ]);
      const mul = decoded.graph.node.find((node) => node.input.includes(spec.input));
      expect(mul?.opType).toBe('Mul');
    }
    expect(parseDropoutSeed(decoded.metadataProps)).toBe(9);
  });

  it('exports plain Keras Dropout layers as stochastic dropout as well', () => {
    const x = input({ shape: [16, 16, 1] });
    let y = layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }).apply(x) as SymbolicTensor;
    y = layers.dropout({ rate: 0.2 }).apply(layers.maxPooling2d({ poolSize: 2 }).apply(y)) as SymbolicTensor;
    y = layers.dropout({ rate: 0.2 }).apply(layers.conv2d({ filters: 2, kernelSize: 3 }).apply(y)) as SymbolicTensor;
    const model = functionalModel({
      inputs: x,
      outputs: layers.conv2d({ filters: 1, kernelSize: 1 }).apply(y) as SymbolicTensor,
    });
    expect(maskInputs(exportOnnx(model))).toHaveLength(2);
    expect(
      opTypes(exportOnnx(model, { dropoutMasks: 'graph' })).filter((op) => op === 'RandomUniformLike'),
    ).toHaveLength(2);
  });

  it('keeps a BatchNormalization node when the conv output is also read elsewhere or has an activation', async () => {
    const x = input({ shape: [12, 12, 3] });
    const conv = layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x) as SymbolicTensor;
    const normalized = layers.batchNormalization().apply(conv) as SymbolicTensor;
    const both = layers.concatenate().apply([conv, normalized]) as SymbolicTensor;
    const activated = layers
      .conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' })
      .apply(both) as SymbolicTensor;
    const output = layers.batchNormalization().apply(activated) as SymbolicTensor;
    const model = functionalModel({ inputs: x, outputs: output });
    randomizeNormalization(model, 5);

    expect(opTypes(exportOnnx(model, { mcDropout: false })).filter((op) => op === 'BatchNormalization')).toHaveLength(
      2,
    );
    const batch = randomInput(2, 12, 3, 9);
    expect(maxAbsDifference(tfjsPredict(model, batch), await onnxPredict(model, batch))).toBeLessThan(1e-4);
  });

  it.each([
    { kernelSize: 3, strides: 2, padding: 'same' as const },
    { kernelSize: 3, strides: 2, padding: 'valid' as const },
    { kernelSize: 2, strides: 3, padding: 'valid' as const },
    { kernelSize: 4, strides: 2, padding: 'same' as const },
  ])('matches tfjs for Conv2DTranspose kernel $kernelSize stride $strides $padding', async (args) => {
    const x = input({ shape: [7, 7, 2] });
    const up = layers
      .conv2dTranspose({ filters: 3, biasInitializer: 'randomNormal', ...args })
      .apply(x) as SymbolicTensor;
    const model = functionalModel({ inputs: x, outputs: up });
    const batch = randomInput(1, 7, 2, 4);
    expect(maxAbsDifference(tfjsPredict(model, batch), await onnxPredict(model, batch))).toBeLessThan(1e-4);
  });

  it('matches tfjs for strided and dilated convs, same-padded pooling, ReLU with a cap and Add', async () => {
    const x = input({ shape: [9, 9, 2] });
    const strided = layers
      .conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' })
      .apply(x) as SymbolicTensor;
    const dilated = layers
      .conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'tanh' })
      .apply(strided) as SymbolicTensor;
    const pooled = layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' }).apply(dilated) as SymbolicTensor;
    const capped = layers.reLU({ maxValue: 0.3 }).apply(pooled) as SymbolicTensor;
    const sum = layers.add().apply([capped, strided]) as SymbolicTensor;
    const model = functionalModel({ inputs: x, outputs: sum });
    const batch = tf.randomNormal([2, 9, 9, 2], 0, 1, 'float32', 8) as tf.Tensor4D;
    expect(maxAbsDifference(tfjsPredict(model, batch), await onnxPredict(model, batch))).toBeLessThan(1e-4);
  });

  it.each(['inputs', 'graph'] as const)(
    'rescales dropout output explicitly when a non-conv reads it, preserving the expectation (%s masks)',
    async (dropoutMasks) => {
      const x = input({ shape: [6, 6, 1] });
      const conv = layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }).apply(x) as SymbolicTensor;
      const dropped = new McDropout({ rate: 0.25 }).apply(conv) as SymbolicTensor;
      const model = functionalModel({ inputs: x, outputs: dropped });
      const batch = randomInput(1, 6, 1, 2);
      const expected = tfjsPredict(model, batch);
      const engine = await createOnnxMcSession({ model: exportOnnx(model, { dropoutMasks }), intraOpThreads: 1 });
      const passes = 4000;
      const result = await engine.mcPredict(batch.dataSync() as Float32Array, 6, { passes, batchSize: 500 });
      await engine.dispose();
      // One inverted dropout on the output: y·m/(1 − r) with m ~ Bernoulli(1 − r) has mean y and std |y|·√(r/(1 − r)).
      const spread = Math.sqrt(0.25 / 0.75);
      for (let i = 0; i < expected.length; i++) {
        const y = expected[i]!;
        expect(Math.abs(result.mean[i]! - y)).toBeLessThan((5 * Math.abs(y) * spread) / Math.sqrt(passes) + 1e-6);
        expect(result.std[i]).toBeCloseTo(Math.abs(y) * spread, 1);
      }
    },
  );

  it('sizes the masks of a size-agnostic export for other input sizes (strided and transposed valid convs)', async () => {
    const x = input({ shape: [9, 9, 1] });
    const down = layers
      .conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' })
      .apply(x) as SymbolicTensor;
    const pooled = layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }).apply(down) as SymbolicTensor;
    const dropped = new McDropout({ rate: 0.5 }).apply(pooled) as SymbolicTensor;
    const up = layers
      .conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'valid' })
      .apply(dropped) as SymbolicTensor;
    const dropped2 = new McDropout({ rate: 0.5 }).apply(up) as SymbolicTensor;
    const output = layers
      .conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid' })
      .apply(dropped2) as SymbolicTensor;
    const model = functionalModel({ inputs: x, outputs: output });
    const bytes = exportOnnx(model, { spatial: 'dynamic' });
    const specs = parseDropoutMaskSpecs(decodeOnnxModel(bytes).metadataProps);
    // 13 → floor((13 − 3)/2) + 1 = 6 → (same pool, stride 1) 6 → 6·2 + (3 − 2) = 13.
    expect(specs.map((spec) => spatialSize(spec.steps, 13, 13))).toEqual([
      [6, 6],
      [13, 13],
    ]);
    const engine = await createOnnxMcSession({ model: bytes, intraOpThreads: 1 });
    const patch = Float32Array.from({ length: 13 * 13 }, (_, i) => Math.cos(i));
    const result = await engine.mcPredict(patch, 13, { passes: 8, batchSize: 4 });
    await engine.dispose();
    expect(result.mean).toHaveLength(13 * 13);
    expect(Math.max(...result.std)).toBeGreaterThan(0);
  });

  it('throws naming the class and the name of an unsupported layer', () => {
    const x = input({ shape: [8, 8, 1] });
    const up = layers.upSampling2d({ size: [2, 2], name: 'grow' }).apply(x) as SymbolicTensor;
    const model = functionalModel({ inputs: x, outputs: up });
    expect(() => exportOnnx(model)).toThrow(/UpSampling2D 'grow'/);
  });

  it('writes a symbolic batch by default and a fixed batch or symbolic size when asked', () => {
    const model = unet({ inputSize: 16, levels: 2, baseFilters: 2 });
    const dims = (bytes: Uint8Array) => decodeOnnxModel(bytes).graph.input[0]?.type.tensorType.shape.dim;
    expect(dims(exportOnnx(model))).toEqual([
      { dimParam: 'batch' },
      { dimValue: 16 },
      { dimValue: 16 },
      { dimValue: 1 },
    ]);
    expect(dims(exportOnnx(model, { batch: 4, spatial: 'dynamic' }))).toEqual([
      { dimValue: 4 },
      { dimParam: 'height' },
      { dimParam: 'width' },
      { dimValue: 1 },
    ]);
  });
});

describe('exportOnnx sharedPrefix', () => {
  /** Runs an exported model in onnxruntime with the masks given, one array per mask input. */
  async function runWithMasks(
    bytes: Uint8Array,
    image: Float32Array,
    imageShape: number[],
    masks: Map<string, Float32Array>,
  ) {
    const ort = await import('onnxruntime-node');
    const specs = parseDropoutMaskSpecs(decodeOnnxModel(bytes).metadataProps);
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    try {
      const imageName = session.inputNames.find((name) => !specs.some((spec) => spec.input === name))!;
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
        [imageName]: new ort.Tensor('float32', image, imageShape),
      };
      const passes = 3;
      for (const spec of specs) {
        const [h, w] = spatialSize(spec.steps, imageShape[1]!, imageShape[2]!);
        feeds[spec.input] = new ort.Tensor('float32', masks.get(spec.input)!, [passes, spec.channels, h, w]);
      }
      const out = await session.run(feeds);
      return out[session.outputNames[0]!]!.data as Float32Array;
    } finally {
      await session.release();
    }
  }

  it('gives the same passes as feeding the patch once per pass, with each concat mask split across its parts', async () => {
    const model = unet({ inputSize: 32, levels: 3, baseFilters: 4, initSeed: 9 });
    randomizeNormalization(model, 3);
    const size = 32;
    const passes = 3;
    const patch = randomInput(1, size, 1, 4).dataSync() as Float32Array;
    const plain = exportOnnx(model);
    const shared = exportOnnx(model, { sharedPrefix: true });
    // A 0/keep mask per element of every dropout of the plain export, drawn once, then split for the shared one.
    let state = 12345;
    const uniform = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const plainMasks = new Map<string, Float32Array>();
    const plainSpecs = parseDropoutMaskSpecs(decodeOnnxModel(plain).metadataProps);
    for (const spec of plainSpecs) {
      const [h, w] = spatialSize(spec.steps, size, size);
      plainMasks.set(
        spec.input,
        Float32Array.from({ length: passes * spec.channels * h * w }, () => (uniform() < spec.rate ? 0 : spec.keep)),
      );
    }
    const sharedMasks = new Map<string, Float32Array>();
    const sharedSpecs = parseDropoutMaskSpecs(decodeOnnxModel(shared).metadataProps);
    const offsets = new Map<string, number>();
    for (const spec of sharedSpecs) {
      const whole = spec.input.replace(/_part\d+_mask$/, '_mask');
      const from = plainSpecs.find((p) => p.input === whole)!;
      const [h, w] = spatialSize(spec.steps, size, size);
      const first = offsets.get(whole) ?? 0;
      offsets.set(whole, first + spec.channels);
      const full = plainMasks.get(whole)!;
      const part = new Float32Array(passes * spec.channels * h * w);
      for (let p = 0; p < passes; p++) {
        const start = (p * from.channels + first) * h * w;
        part.set(full.subarray(start, start + spec.channels * h * w), p * spec.channels * h * w);
      }
      sharedMasks.set(spec.input, part);
    }
    // The U-Net's decoder concats mix the once-per-patch skip with the per-pass upsampling: split, not copied.
    expect(sharedSpecs.length).toBeGreaterThan(plainSpecs.length);
    expect(opTypes(shared)).not.toContain('Expand');
    const copies = new Float32Array(passes * size * size);
    for (let p = 0; p < passes; p++) copies.set(patch, p * size * size);
    const expected = await runWithMasks(plain, copies, [passes, size, size, 1], plainMasks);
    const actual = await runWithMasks(shared, patch, [1, size, size, 1], sharedMasks);
    expect(maxAbsDifference(expected, actual)).toBeLessThan(1e-5);
    // The passes differ (the masks reach the output), so equality is not two constant maps agreeing.
    const pixels = size * size;
    expect(maxAbsDifference(expected.subarray(0, pixels), expected.subarray(pixels, 2 * pixels))).toBeGreaterThan(1e-3);
  });

  it('runs an MC session on one copy of the patch and refuses exports it cannot express', async () => {
    const model = unet({ inputSize: 32, levels: 3, baseFilters: 4, initSeed: 9 });
    const session = await createOnnxMcSession({ model: exportOnnx(model, { sharedPrefix: true }), seed: 7 });
    try {
      const patch = randomInput(1, 32, 1, 2).dataSync() as Float32Array;
      const mc = await session.mcPredict(patch, 32, { passes: 7, batchSize: 3 });
      expect(mc.passes).toBe(7);
      expect(Math.max(...mc.std)).toBeGreaterThan(0);
      await expect(session.predict(new Float32Array(2 * 32 * 32), 2, 32)).rejects.toThrow(/one patch per call/);
    } finally {
      await session.dispose();
    }
    expect(() => exportOnnx(model, { sharedPrefix: true, dropoutMasks: 'graph' })).toThrow(/mask inputs/);
    expect(() => exportOnnx(model, { sharedPrefix: true, batch: 4 })).toThrow(/batch/);
  });
});
