import { type DataType, getKernel, type NamedAttrMap, type TensorInfo, util } from '@tensorflow/tfjs-core';

/**
 * The slice of tfjs-backend-wasm's `BackendWasm` these kernels touch. The package does not export a stable type for
 * its internals (its `.d.ts` points into generated emscripten typings), so we describe just what we use and check it
 * at runtime in `asWasmBackend`: a tfjs upgrade that renames any of it fails loudly instead of corrupting memory.
 */
export interface WasmBackendInternals {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

export function asWasmBackend(backend: unknown): WasmBackendInternals {
  const candidate = backend as Partial<WasmBackendInternals> | null;
  if (
    candidate == null ||
    typeof candidate.makeOutput !== 'function' ||
    typeof candidate.disposeData !== 'function' ||
    candidate.dataIdMap == null ||
    candidate.wasm?.HEAPU8 == null
  ) {
    throw new Error('activeseg wasm kernels: backend does not look like tfjs-backend-wasm 4.x (no wasm heap access)');
  }
  return candidate as WasmBackendInternals;
}

/**
 * A Float32Array over the whole wasm heap. The heap can grow (and its ArrayBuffer be replaced) on every allocation, so
 * callers must take a fresh view after any `makeOutput` or kernel call rather than keep one across them.
 */
export function heapF32(backend: WasmBackendInternals): Float32Array {
  const buffer = backend.wasm.HEAPU8.buffer;
  // Unsigned arithmetic: the heap may grow past 2 GiB (the paper's 512² model), where `>> 2` turns negative.
  return new Float32Array(buffer, 0, Math.floor(buffer.byteLength / 4));
}

/** Index (in float32 elements) of a tensor's first value inside `heapF32`. */
export function f32Offset(backend: WasmBackendInternals, info: TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (data === undefined) throw new Error('activeseg wasm kernels: tensor is not resident in the wasm backend');
  return (data.memoryOffset >>> 0) / 4;
}

export function allocF32(backend: WasmBackendInternals, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

export function release(backend: WasmBackendInternals, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * Runs another registered wasm kernel from inside ours (kernels may not call tf ops, which would re-enter the
 * engine's tape and scopes, but calling a sibling kernelFunc directly is how tfjs's own wasm kernels compose).
 */
export function callWasmKernel(
  backend: WasmBackendInternals,
  kernelName: string,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap,
): TensorInfo {
  const config = getKernel(kernelName, 'wasm');
  if (config === undefined) throw new Error(`activeseg wasm kernels: wasm kernel '${kernelName}' is not registered`);
  const out = config.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`activeseg wasm kernels: '${kernelName}' returned several outputs`);
  return out;
}

/**
 * `a [m, k] · b [k, n]` through the wasm BatchMatMul kernel. With batch 1 and no transposes it takes XNNPACK's
 * fully-connected path; every other combination falls back to a naive blocked loop that is ~10× slower, which is why
 * callers lay their operands out for this form. XNNPACK caches the packed `b` keyed by tensor id only (not shape) until
 * that tensor is disposed, so `b` must be a private, freshly allocated tensor that nobody reshapes and reuses.
 */
export function matmulXnn(
  backend: WasmBackendInternals,
  a: TensorInfo,
  m: number,
  k: number,
  b: TensorInfo,
  n: number,
): TensorInfo {
  if (util.sizeFromShape(a.shape) !== m * k || util.sizeFromShape(b.shape) !== k * n) {
    throw new Error(`activeseg wasm kernels: matmul operand sizes do not match [${m}, ${k}]·[${k}, ${n}]`);
  }
  return callWasmKernel(
    backend,
    'BatchMatMul',
    { a: { ...a, shape: [1, m, k] }, b: { ...b, shape: [1, k, n] } },
    { transposeA: false, transposeB: false },
  );
}
