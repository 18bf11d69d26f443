import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/**
 * Runs `fn` once to warm up (first calls may allocate lasting state such as optimizer slots or kernels' caches),
 * records `tf.memory().numTensors`, runs it `repeats` more times, and fails if the count grew.
 */
export async function expectNoTensorLeak(fn: () => unknown, { repeats = 2 }: { repeats?: number } = {}): Promise<void> {
  await fn();
  const before = tf.memory().numTensors;
  for (let i = 0; i < repeats; i++) await fn();
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
}

/** The cpu backend, ready; every model test uses it so no native or wasm binary is needed. */
export async function useCpuBackend(): Promise<void> {
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  await tf.ready();
}
