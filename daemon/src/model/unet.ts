import { initializers, input, type LayersModel, layers, model, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { McDropout } from './layers/mc-dropout.js';
import type { UnetConfig } from './unet-config.js';
import { type LayerSpec, unetSpec } from './unet-spec.js';

type Initializer = ReturnType<typeof initializers.heNormal>;
type LayerInput = SymbolicTensor | SymbolicTensor[];

/**
 * Builds the paper's U-Net (functional API, NHWC) from {@link unetSpec}: one tfjs layer per spec layer, under the
 * spec's name (`enc1_conv1`, `pool1`, `drop_pool1`, `up4`, `concat4`, `drop_concat4`, `dec4_conv1`, …, `head`),
 * because saved weights and exports refer to them. Convs keep their bias (the Keras default the paper used).
 */
export function createUnet(config: UnetConfig): LayersModel {
  let initCount = 0;
  const initializer = (): Initializer => {
    // Distinct seed per layer: one shared seed would give same-shaped kernels identical weights.
    const seed = config.initSeed === undefined ? undefined : config.initSeed * 1000 + initCount++;
    return config.kernelInitializer === 'heNormal'
      ? initializers.heNormal({ seed })
      : initializers.glorotUniform({ seed });
  };
  // With initSeed, masks repeat too (unless a global McDropout seed overrides them).
  const dropoutSeed = (index: number) =>
    config.initSeed === undefined ? undefined : config.initSeed * 1000 + 500 + index;

  const build = (layer: Exclude<LayerSpec, { kind: 'input' }>): { apply: (x: LayerInput) => unknown } => {
    const { name } = layer;
    switch (layer.kind) {
      case 'conv':
        return layers.conv2d({
          name,
          filters: layer.shape[2],
          kernelSize: layer.kernel,
          padding: 'same',
          ...(layer.activation === 'linear' ? {} : { activation: layer.activation }),
          kernelInitializer: initializer(),
        });
      case 'batchNorm':
        return layers.batchNormalization({ name });
      case 'relu':
        return layers.activation({ name, activation: 'relu' });
      case 'maxPool':
        return layers.maxPooling2d({ name, poolSize: 2, strides: 2 });
      case 'dropout':
        return new McDropout({ name, rate: layer.rate, seed: dropoutSeed(layer.index) });
      case 'convTranspose':
        return layers.conv2dTranspose({
          name,
          filters: layer.shape[2],
          kernelSize: 2,
          strides: 2,
          padding: 'same',
          kernelInitializer: initializer(),
        });
      case 'concat':
        return layers.concatenate({ name, axis: -1 });
    }
  };

  const spec = unetSpec(config);
  const tensors = new Map<string, SymbolicTensor>();
  let output: SymbolicTensor | undefined;
  for (const layer of spec) {
    if (layer.kind === 'input') {
      output = input({ name: layer.name, shape: [...layer.shape] });
    } else {
      const inputs = layer.inputs.map((name) => {
        const tensor = tensors.get(name);
        if (tensor === undefined) throw new Error(`createUnet: ${layer.name} reads '${name}' before it exists`);
        return tensor;
      });
      // Functional-API layers return a union of tensor kinds; with symbolic inputs the output is always symbolic.
      output = build(layer).apply(inputs.length === 1 ? (inputs[0] as SymbolicTensor) : inputs) as SymbolicTensor;
    }
    tensors.set(layer.name, output);
  }
  const image = tensors.get('image');
  if (image === undefined || output === undefined) throw new Error('createUnet: the spec has no input or no output');
  return model({ name: 'unet', inputs: image, outputs: output });
}
