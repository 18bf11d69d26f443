import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { findVulkanLoader, VULKAN_LOADER } from './find-vulkan-loader.js';
import { registerWasmTrainingKernels } from './kernels/index.js';

/** Candidates in the order `selectBackend` tries them. */
export const BACKEND_CANDIDATES = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendCandidate = (typeof BACKEND_CANDIDATES)[number];

export interface BackendReason {
  backend: string;
  available: boolean;
  why: string;
}

export interface BackendSelection {
  /** The candidate that was chosen (one of BACKEND_CANDIDATES). */
  name: BackendCandidate;
  /** What `tf.getBackend()` now returns ('tensorflow' for both tfjs-node flavours). */
  tfjsBackend: string;
  /** One entry per candidate, in the order tried; the chosen one has available = true. */
  reasons: BackendReason[];
}

export interface SelectBackendOptions {
  /** Candidate (or tfjs backend name: 'tensorflow', 'webgpu', 'wasm', 'cpu') to try before the default order. */
  prefer?: string;
  /** 'train' (default) makes sure the backend can compute conv gradients: on wasm that means our kernels. */
  purpose?: 'train' | 'infer';
}

const PACKAGES: Record<BackendCandidate, string[]> = {
  'tfjs-node-gpu': ['@tensorflow/tfjs-node-gpu'],
  'tfjs-node': ['@tensorflow/tfjs-node'],
  webgpu: ['webgpu', '@tensorflow/tfjs-backend-webgpu'],
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  cpu: ['@tensorflow/tfjs-backend-cpu'],
};

const require = createRequire(import.meta.url);

function resolvable(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

function missingPackages(candidate: BackendCandidate): string[] {
  return PACKAGES[candidate].filter((pkg) => !resolvable(pkg));
}

function message(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

/** `import()` through a variable so TypeScript does not demand type declarations for optional packages. */
async function importOptional(specifier: string): Promise<Record<string, unknown>> {
  return (await import(specifier)) as Record<string, unknown>;
}

async function activate(name: string): Promise<void> {
  // setBackend resolves false (it does not throw) when the backend's factory fails; make that an error with a reason.
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

let wasmPathsSet = false;

async function initWasm(purpose: 'train' | 'infer'): Promise<string> {
  const wasmModule = await importOptional('@tensorflow/tfjs-backend-wasm');
  // The Node bundle finds its .wasm next to itself via __dirname, but a bundler or the ESM entry would resolve it
  // against a URL; pointing it explicitly at the installed dist/ folder keeps loading offline and layout-proof.
  const setWasmPaths = wasmModule.setWasmPaths as ((prefix: string) => void) | undefined;
  if (!wasmPathsSet && setWasmPaths !== undefined && tf.findBackend('wasm') === null) {
    setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}${path.sep}`);
    wasmPathsSet = true;
  }
  // Emscripten's Node glue installs process-wide uncaughtException/unhandledRejection handlers that rethrow and
  // print the whole minified module; a daemon wants its own handlers, so we remove what initialisation added.
  const before = {
    uncaughtException: new Set(process.listeners('uncaughtException')),
    unhandledRejection: new Set(process.listeners('unhandledRejection')),
  };
  try {
    await activate('wasm');
  } finally {
    for (const listener of process.listeners('uncaughtException')) {
      if (!before.uncaughtException.has(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!before.unhandledRejection.has(listener)) process.removeListener('unhandledRejection', listener);
    }
  }
  // Multithreading: tfjs forces WASM_HAS_MULTITHREAD_SUPPORT to false under Node (tfjs#3830) because its loader
  // starts pthreads as Web Workers from a Blob URL. Using the shipped tfjs-backend-wasm-threaded-simd.wasm would need
  // a custom emscripten factory config that points the pthread worker at a real .worker.js file run by
  // node:worker_threads, plus `tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true)` before init; XNNPACK would then
  // use setThreadsCount() threads. Not done: single-threaded is what we measure and ship.
  if (purpose === 'train') registerWasmTrainingKernels();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return `wasm ${simd ? 'SIMD' : 'scalar (no SIMD)'}, single-threaded${purpose === 'train' ? ', training kernels registered' : ''}`;
}

async function tryCandidate(candidate: BackendCandidate, purpose: 'train' | 'infer'): Promise<string> {
  const missing = missingPackages(candidate);
  if (missing.length > 0) throw new NotInstalled(missing);
  switch (candidate) {
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      // Importing either package registers the native 'tensorflow' backend (libtensorflow, multithreaded).
      await importOptional(PACKAGES[candidate][0] as string);
      await activate('tensorflow');
      return `native libtensorflow via ${candidate}`;
    case 'webgpu': {
      // On Linux Dawn reaches a GPU only through the Vulkan loader; without it Dawn can find no adapter and would
      // print its own warning (with a path from its build machine) on every CLI start. Say why in our words instead.
      if (process.platform === 'linux' && findVulkanLoader() === null)
        throw new Error(`no GPU driver: ${VULKAN_LOADER} is not installed, so Dawn can reach no GPU`);
      // Node has no navigator.gpu: the `webgpu` package (Dawn bindings) provides one.
      const dawn = await importOptional('webgpu');
      const create = dawn.create as ((flags: string[]) => unknown) | undefined;
      if (create === undefined) throw new Error("package 'webgpu' has no create()");
      Object.assign(globalThis, dawn.globals as object);
      const nav = (globalThis as { navigator?: Record<string, unknown> }).navigator;
      if (nav === undefined) {
        Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
      } else if (nav.gpu === undefined) {
        Object.defineProperty(nav, 'gpu', { value: create([]), configurable: true });
      }
      // Ask for an adapter first: without a GPU (or a Vulkan driver) Dawn has none, and that is the reason to report,
      // not tfjs' generic "setBackend failed".
      const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
      const adapter = await gpu?.requestAdapter();
      if (adapter === null || adapter === undefined)
        throw new Error('no WebGPU adapter: Dawn found no usable GPU (Vulkan) device');
      await importOptional('@tensorflow/tfjs-backend-webgpu');
      await activate('webgpu');
      return 'WebGPU through Dawn (webgpu package)';
    }
    case 'wasm':
      return initWasm(purpose);
    case 'cpu':
      await importOptional('@tensorflow/tfjs-backend-cpu');
      await activate('cpu');
      return purpose === 'train'
        ? 'pure-JS cpu backend: trains, but ~60 s per 128² U-Net step (last resort)'
        : 'pure-JS cpu backend (slow)';
  }
}

class NotInstalled extends Error {
  constructor(readonly packages: string[]) {
    super(`not installed (${packages.join(', ')})`);
  }
}

const TFJS_NAMES: Record<string, BackendCandidate> = {
  tensorflow: 'tfjs-node',
  webgpu: 'webgpu',
  wasm: 'wasm',
  cpu: 'cpu',
};

function candidateFor(prefer: string | undefined): BackendCandidate | undefined {
  if (prefer === undefined) return undefined;
  if ((BACKEND_CANDIDATES as readonly string[]).includes(prefer)) return prefer as BackendCandidate;
  const mapped = TFJS_NAMES[prefer];
  if (mapped === undefined) {
    throw new Error(`selectBackend: unknown backend '${prefer}' (known: ${BACKEND_CANDIDATES.join(', ')})`);
  }
  return mapped;
}

/**
 * Picks and activates the fastest tfjs backend this machine can run: tfjs-node-gpu → tfjs-node → webgpu → wasm →
 * cpu (or `prefer` first). Missing optional packages are not errors: each candidate reports why it was not chosen.
 * Candidates after the chosen one are not initialised, only checked for installation.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const purpose = options.purpose ?? 'train';
  const preferred = candidateFor(options.prefer);
  const order: BackendCandidate[] =
    preferred === undefined
      ? [...BACKEND_CANDIDATES]
      : [preferred, ...BACKEND_CANDIDATES.filter((c) => c !== preferred)];
  const reasons: BackendReason[] = [];
  let chosen: BackendCandidate | undefined;
  for (const candidate of order) {
    if (chosen !== undefined) {
      const missing = missingPackages(candidate);
      reasons.push({
        backend: candidate,
        available: missing.length === 0,
        why:
          missing.length === 0
            ? `installed, not tried: ${chosen} was chosen first`
            : `not installed (${missing.join(', ')})`,
      });
      continue;
    }
    try {
      const why = await tryCandidate(candidate, purpose);
      reasons.push({ backend: candidate, available: true, why: `selected: ${why}` });
      chosen = candidate;
    } catch (error) {
      reasons.push({
        backend: candidate,
        available: false,
        why: error instanceof NotInstalled ? error.message : `failed to init: ${message(error)}`,
      });
    }
  }
  if (chosen === undefined) {
    throw new Error(
      `selectBackend: no tfjs backend could be initialised: ${reasons.map((r) => `${r.backend}: ${r.why}`).join('; ')}`,
    );
  }
  return { name: chosen, tfjsBackend: tf.getBackend(), reasons };
}
