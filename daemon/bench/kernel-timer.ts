import {
  getKernel,
  getKernelsForBackend,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';

export interface KernelTime {
  name: string;
  calls: number;
  ms: number;
}

/**
 * Wraps every kernel registered for `backendName` with a wall-clock timer (the wasm backend is synchronous, so
 * wall time is compute time). Times are exclusive: a kernel that calls another (our Conv2DBackpropFilter calls
 * BatchMatMul) is charged only for its own share. Returns a stop function that restores the originals and the totals.
 * tf.profile would work too, but it also snapshots memory per kernel, which distorts small kernels.
 */
export function startKernelTimer(backendName: string): () => KernelTime[] {
  const totals = new Map<string, KernelTime>();
  const originals: KernelConfig[] = [];
  const stack: number[] = [];
  for (const config of getKernelsForBackend(backendName)) {
    const inner = config.kernelFunc;
    const name = config.kernelName;
    const wrapped: KernelFunc = (args) => {
      stack.push(0);
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        const elapsed = performance.now() - t0;
        const nested = stack.pop() ?? 0;
        if (stack.length > 0) stack[stack.length - 1] = (stack[stack.length - 1] ?? 0) + elapsed;
        const entry = totals.get(name) ?? { name, calls: 0, ms: 0 };
        entry.calls++;
        entry.ms += elapsed - nested;
        totals.set(name, entry);
      }
    };
    originals.push(config);
    unregisterKernel(name, backendName);
    registerKernel({ ...config, kernelFunc: wrapped });
  }
  return () => {
    for (const config of originals) {
      if (getKernel(config.kernelName, backendName) !== undefined) unregisterKernel(config.kernelName, backendName);
      registerKernel(config);
    }
    return [...totals.values()].sort((a, b) => b.ms - a.ms);
  };
}
