/**
 * A hand-assembled WebAssembly SIMD kernel that writes dropout masks: eight xoshiro128+ generators run side by side
 * (two v128 state sets of four 32-bit lanes each, interleaved so their dependency chains overlap) and every 32-bit
 * output u becomes `u >= threshold ? keepBits : 0`, i.e. a float32 `keep` or 0.
 *
 * Why hand-assembled: plain JS loops write ~1.5 ns per float here, and a paper-model pass needs 35 M mask values;
 * this kernel writes eight per ~10 vector ops. Why no toolchain: the module is ~250 bytes and a build step (wat2wasm,
 * AssemblyScript) would be a new dependency for it.
 *
 * Export `fill(statePtr, outPtr, blocks, threshold, keepBits)`: state is 128 bytes at statePtr (set A: s0, s1, s2, s3
 * as four lanes each, then set B likewise) and is written back; it writes `blocks` × 8 floats from outPtr (each
 * block: set A's four outputs, then set B's). Export `memory`: grown by the caller.
 */

const I32 = 0x7f;
const V128 = 0x7b;

// Locals: the five parameters, then `end`, then the vector locals.
const STATE = 0;
const OUT = 1;
const BLOCKS = 2;
const THRESHOLD = 3;
const KEEP_BITS = 4;
const END = 5;
const A = [6, 7, 8, 9] as const;
const B = [10, 11, 12, 13] as const;
const T = 14;
const THR = 15;
const KEEP = 16;

function uleb(value: number): number[] {
  const bytes: number[] = [];
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    bytes.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return bytes;
}

function sleb(value: number): number[] {
  const bytes: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

const get = (index: number) => [0x20, ...uleb(index)];
const set = (index: number) => [0x21, ...uleb(index)];
const i32Const = (value: number) => [0x41, ...sleb(value)];
const simd = (opcode: number) => [0xfd, ...uleb(opcode)];
// memarg: alignment hint 2^4 (the kernel also runs on unaligned addresses; the hint is only a hint), then offset.
const load = (offset: number) => [...simd(0x00), 4, ...uleb(offset)];
const store = (offset: number) => [...simd(0x0b), 4, ...uleb(offset)];
const SPLAT = simd(0x11);
const GE_U = simd(0x40);
const AND = simd(0x4e);
const OR = simd(0x50);
const XOR = simd(0x51);
const SHL = simd(0xab);
const SHR_U = simd(0xad);
const ADD = simd(0xae);

/** dst ^= src */
const xorInto = (dst: number, src: number) => [...get(dst), ...get(src), ...XOR, ...set(dst)];

/** Stores the masked output of one state set at OUT + offset, then advances that set by one xoshiro128+ step. */
function step(s: readonly [number, number, number, number], offset: number): number[] {
  const [s0, s1, s2, s3] = s;
  return [
    ...get(OUT),
    ...get(s0),
    ...get(s3),
    ...ADD,
    ...get(THR),
    ...GE_U,
    ...get(KEEP),
    ...AND,
    ...store(offset),
    // t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11)
    ...get(s1),
    ...i32Const(9),
    ...SHL,
    ...set(T),
    ...xorInto(s2, s0),
    ...xorInto(s3, s1),
    ...xorInto(s1, s2),
    ...xorInto(s0, s3),
    ...xorInto(s2, T),
    ...get(s3),
    ...i32Const(11),
    ...SHL,
    ...get(s3),
    ...i32Const(21),
    ...SHR_U,
    ...OR,
    ...set(s3),
  ];
}

function body(): number[] {
  const loadState = [...A, ...B].flatMap((local, i) => [...get(STATE), ...load(i * 16), ...set(local)]);
  const saveState = [...A, ...B].flatMap((local, i) => [...get(STATE), ...get(local), ...store(i * 16)]);
  const code = [
    ...loadState,
    ...get(THRESHOLD),
    ...SPLAT,
    ...set(THR),
    ...get(KEEP_BITS),
    ...SPLAT,
    ...set(KEEP),
    // end = out + blocks * 32
    ...get(OUT),
    ...get(BLOCKS),
    ...i32Const(5),
    0x74, // i32.shl
    0x6a, // i32.add
    ...set(END),
    0x02, // block
    0x40,
    0x03, // loop
    0x40,
    ...get(OUT),
    ...get(END),
    0x4f, // i32.ge_u
    0x0d, // br_if → out of the block
    1,
    ...step(A, 0),
    ...step(B, 16),
    ...get(OUT),
    ...i32Const(32),
    0x6a, // i32.add
    ...set(OUT),
    0x0c, // br → loop
    0,
    0x0b, // end loop
    0x0b, // end block
    ...saveState,
    0x0b, // end function
  ];
  const locals = [2, 1, I32, 11, V128];
  const full = [...locals, ...code];
  return [...uleb(full.length), ...full];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

/** The module's bytes (magic, version, then type, function, memory, export and code sections). */
export function dropoutMaskWasmBytes(): Uint8Array {
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]),
    ...section(3, [1, 0]),
    // One memory, 1 page to start, no maximum: the caller grows it to the masks' size.
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...name('fill'), 0x00, 0, ...name('memory'), 0x02, 0]),
    ...section(10, [1, ...body()]),
  ]);
}

/** The slice of the WebAssembly JS API used here (the project's TS libs declare no WebAssembly global). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

export interface DropoutMaskKernel {
  readonly memory: WasmMemory;
  fill(statePtr: number, outPtr: number, blocks: number, threshold: number, keepBits: number): void;
}

let compiled: object | null | undefined;

/** A fresh instance (its own memory), or undefined where WebAssembly SIMD is unavailable. */
export function instantiateDropoutMaskKernel(): DropoutMaskKernel | undefined {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return undefined;
  if (compiled === undefined) {
    const bytes = dropoutMaskWasmBytes();
    compiled = wasm.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  if (compiled === null) return undefined;
  const { exports } = new wasm.Instance(compiled);
  return {
    memory: exports.memory as WasmMemory,
    fill: exports.fill as DropoutMaskKernel['fill'],
  };
}
