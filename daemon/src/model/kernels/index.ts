// Side effect first: the tfjs-layers node bundle (re)registers every core gradient when it loads, which would
// silently replace our FusedBatchNorm gradient if it were first imported after registerWasmTrainingKernels ran.
import '@tensorflow/tfjs-layers';
import {
  type GradConfig,
  getGradient,
  getKernel,
  type KernelConfig,
  registerGradient,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { batchNormGradWasmConfig, makeBatchNormGradConfig } from './batch-norm-grad.js';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input.js';
import {
  castAlias,
  concatChannels,
  identityAlias,
  type KernelFactory,
  maxPoolGradRouting,
  splitChannels,
} from './memory-kernels.js';

export { BATCH_NORM_GRAD_KERNEL } from './batch-norm-grad.js';
export { conv2dBackpropFilterWasm } from './conv2d-backprop-filter.js';
export { conv2dBackpropInputWasm } from './conv2d-backprop-input.js';

const fixed =
  (config: KernelConfig): KernelFactory =>
  () =>
    config;
/** Each factory gets the kernel it displaces, so the data-movement replacements can hand it the cases they skip. */
const factories: readonly KernelFactory[] = [
  fixed(conv2dBackpropFilterWasmConfig),
  fixed(conv2dBackpropInputWasmConfig),
  fixed(batchNormGradWasmConfig),
  identityAlias,
  castAlias,
  concatChannels,
  splitChannels,
  maxPoolGradRouting,
];

/** Kernels we install on the 'wasm' backend (tfjs kernel names, plus our fused BatchNorm gradient kernel). */
export const WASM_TRAINING_KERNELS: readonly string[] = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'ActivesegBatchNormGrad',
  'Identity',
  'Cast',
  'Concat',
  'SplitV',
  'MaxPoolGrad',
];

/** Configs we installed, by kernel name, and what they displaced (so `unregister` can put it back). */
const installed = new Map<string, KernelConfig>();
const displacedKernels = new Map<string, KernelConfig>();
let displacedBatchNormGrad: GradConfig | undefined;
let ourBatchNormGrad: GradConfig | undefined;

/**
 * Makes the tfjs wasm backend train conv nets at a usable speed:
 * - adds the missing Conv2DBackpropFilter (XNNPACK GEMM over an im2col built with memmoves);
 * - swaps the scalar C Conv2DBackpropInput (also the forward pass of Conv2DTranspose) for XNNPACK-backed paths;
 * - replaces data-movement kernels that dominated the step once convs were fast (Identity/Cast copies, channel
 *   Concat/SplitV, MaxPoolGrad);
 * - replaces the FusedBatchNorm gradient (global, all backends: same maths without the full-size Tile) and gives
 *   it a fused wasm kernel.
 * Idempotent; safe before or after the wasm backend is initialised (no kernel needs a setupFunc).
 */
export function registerWasmTrainingKernels(): void {
  factories.forEach((factory, i) => {
    const name = WASM_TRAINING_KERNELS[i] as string;
    const current = getKernel(name, 'wasm');
    if (current !== undefined && current === installed.get(name)) return;
    const config = factory(current);
    if (config.kernelName !== name) throw new Error(`activeseg: kernel table out of order at ${name}`);
    if (current !== undefined) {
      displacedKernels.set(name, current);
      // unregister first: registerKernel over an existing entry logs a warning on every call.
      unregisterKernel(name, 'wasm');
    }
    registerKernel(config);
    installed.set(name, config);
  });
  const currentGrad = getGradient('FusedBatchNorm');
  if (ourBatchNormGrad === undefined || currentGrad !== ourBatchNormGrad) {
    displacedBatchNormGrad = currentGrad;
    ourBatchNormGrad = makeBatchNormGradConfig(currentGrad);
    registerGradient(ourBatchNormGrad);
  }
}

/** Restores kernels and gradient as they were before `registerWasmTrainingKernels` (tests compare against them). */
export function unregisterWasmTrainingKernels(): void {
  for (const [name, config] of installed) {
    if (getKernel(name, 'wasm') !== config) continue;
    unregisterKernel(name, 'wasm');
    const previous = displacedKernels.get(name);
    if (previous !== undefined) registerKernel(previous);
    displacedKernels.delete(name);
    installed.delete(name);
  }
  if (ourBatchNormGrad !== undefined && getGradient('FusedBatchNorm') === ourBatchNormGrad) {
    if (displacedBatchNormGrad !== undefined) registerGradient(displacedBatchNormGrad);
    ourBatchNormGrad = undefined;
    displacedBatchNormGrad = undefined;
  }
}

export function wasmTrainingKernelsRegistered(): boolean {
  return (
    WASM_TRAINING_KERNELS.every(
      (name) => installed.get(name) !== undefined && getKernel(name, 'wasm') === installed.get(name),
    ) &&
    ourBatchNormGrad !== undefined &&
    getGradient('FusedBatchNorm') === ourBatchNormGrad
  );
}
