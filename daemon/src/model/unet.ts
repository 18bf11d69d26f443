import { initializers, input, type LayersModel, layers, model, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { McDropout } from './layers/mc-dropout.js';
import { filtersAtLevel, type UnetConfig } from './unet-config.js';

type Initializer = ReturnType<typeof initializers.heNormal>;

function apply(
  layer: { apply: (x: SymbolicTensor | SymbolicTensor[]) => unknown },
  x: SymbolicTensor | SymbolicTensor[],
) {
  // Functional-API layers return a union of tensor kinds; with symbolic inputs the output is always symbolic.
  return layer.apply(x) as SymbolicTensor;
}

/**
 * Builds the paper's U-Net (functional API, NHWC). Layer names are stable (`enc1_conv1`, `pool1`, `drop_pool1`,
 * `up4`, `concat4`, `drop_concat4`, `dec4_conv1`, …, `head`) because saved weights and exports refer to them.
 * The deepest level is `enc{levels}` (the bottleneck). Convs keep their bias (the Keras default the paper used).
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
  let dropCount = 0;
  const dropout = (name: string, x: SymbolicTensor): SymbolicTensor => {
    // With initSeed, masks repeat too (unless a global McDropout seed overrides them).
    const seed = config.initSeed === undefined ? undefined : config.initSeed * 1000 + 500 + dropCount++;
    return apply(new McDropout({ name, rate: config.dropoutRate, seed }), x);
  };

  const convBlock = (prefix: string, x: SymbolicTensor, filters: number): SymbolicTensor => {
    let y = x;
    for (const i of [1, 2]) {
      y = apply(
        layers.conv2d({
          name: `${prefix}_conv${i}`,
          filters,
          kernelSize: 3,
          padding: 'same',
          kernelInitializer: initializer(),
        }),
        y,
      );
      y = apply(layers.batchNormalization({ name: `${prefix}_bn${i}` }), y);
      y = apply(layers.activation({ name: `${prefix}_relu${i}`, activation: 'relu' }), y);
    }
    return y;
  };

  const inputs = input({ name: 'image', shape: [config.inputSize, config.inputSize, config.channels] });
  const skips: SymbolicTensor[] = [];
  let x: SymbolicTensor = inputs;
  for (let level = 1; level <= config.levels; level++) {
    x = convBlock(`enc${level}`, x, filtersAtLevel(config, level));
    if (level === config.levels) break;
    skips.push(x);
    x = apply(layers.maxPooling2d({ name: `pool${level}`, poolSize: 2, strides: 2 }), x);
    x = dropout(`drop_pool${level}`, x);
  }
  for (let level = config.levels - 1; level >= 1; level--) {
    const skip = skips[level - 1];
    if (skip === undefined) throw new Error(`createUnet: missing skip connection for level ${level}`);
    // Half the filters of the level below, i.e. this level's filters.
    x = apply(
      layers.conv2dTranspose({
        name: `up${level}`,
        filters: filtersAtLevel(config, level + 1) / 2,
        kernelSize: 2,
        strides: 2,
        padding: 'same',
        kernelInitializer: initializer(),
      }),
      x,
    );
    x = apply(layers.concatenate({ name: `concat${level}`, axis: -1 }), [x, skip]);
    x = dropout(`drop_concat${level}`, x);
    x = convBlock(`dec${level}`, x, filtersAtLevel(config, level));
  }
  const outputs = apply(
    layers.conv2d({ name: 'head', filters: 1, kernelSize: 1, activation: 'sigmoid', kernelInitializer: initializer() }),
    x,
  );
  return model({ name: 'unet', inputs, outputs });
}

/**
 * Multiply-adds of one forward pass of one image, for GFLOP/s reports (FLOPs ≈ 2 × this). Counts the 3×3 convs,
 * the 2×2 stride-2 transposed convs and the 1×1 head; bias, BatchNorm, ReLU, pooling and dropout are ignored.
 */
export function convMultiplyAdds(config: UnetConfig): number {
  let total = 0;
  const conv3 = (size: number, cin: number, cout: number) => size * size * 9 * cin * cout;
  for (let level = 1; level <= config.levels; level++) {
    const size = config.inputSize / 2 ** (level - 1);
    const f = filtersAtLevel(config, level);
    const cin = level === 1 ? config.channels : filtersAtLevel(config, level - 1);
    total += conv3(size, cin, f) + conv3(size, f, f);
    if (level < config.levels) {
      // Decoder at this level: each input pixel of the level below spreads a 2×2 kernel (4·cin·cout MACs),
      // then two 3×3 convs on the 2f-channel concat and on f.
      const below = size / 2;
      total += below * below * 4 * filtersAtLevel(config, level + 1) * f;
      total += conv3(size, 2 * f, f) + conv3(size, f, f);
    }
  }
  return total + config.inputSize * config.inputSize * config.baseFilters;
}
