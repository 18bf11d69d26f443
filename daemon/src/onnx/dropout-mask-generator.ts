import { randomBytes } from 'node:crypto';
import { type DropoutMaskKernel, instantiateDropoutMaskKernel } from './dropout-mask-wasm.js';

/**
 * Seeded dropout masks for Monte-Carlo passes, written by a WebAssembly SIMD kernel (scalar JS where SIMD is missing;
 * both give identical bits).
 *
 * Every (dropout site, pass index) pair is its own stream: eight xoshiro128+ generators seeded by splitmix64 from a
 * key hashed out of (seed, site, pass). Masks are therefore independent per pass and per element, and the mask of a
 * pass does not depend on how passes are grouped into batches. A value is kept when a generator's 32-bit output
 * u ≥ round(rate·2³²), so P(keep) = 1 − rate to within 2⁻³³ (tfjs compares a float32 uniform with the rate).
 * xoshiro128+'s weak low bits barely matter here: a compare against a threshold is decided by the high bits.
 */

export interface DropoutMaskRequest {
  rate: number;
  /** Value written for a kept element (0 for a dropped one). */
  keep: number;
  /** Mask values of one pass. */
  length: number;
}

export interface DropoutMaskSource {
  /** 'wasm-simd' or 'js' (the slow fallback). */
  readonly implementation: 'wasm-simd' | 'js';
  /**
   * Masks of passes `firstPass` … `firstPass + passes − 1`, one array per request, pass-major ([passes, length]).
   * The arrays are views into memory reused by the next call: feed them to a run before asking again.
   */
  masks(requests: readonly DropoutMaskRequest[], firstPass: number, passes: number): Float32Array[];
}

export interface DropoutMaskSourceOptions {
  /** Same seed, same masks for the same (site, pass); unset draws a random key. */
  seed?: number;
  /** Force the scalar implementation (tests compare it with the kernel). */
  implementation?: 'js';
}

const LANES = 8;
const STATE_WORDS = LANES * 4;
const STATE_BYTES = STATE_WORDS * 4;
// Scratch for the last, partial block of a stream.
const SCRATCH_BYTES = LANES * 4;
const HEADER_BYTES = STATE_BYTES + SCRATCH_BYTES;
const PAGE_BYTES = 65536;
const MAX_WASM_BYTES = 2 ** 32 - PAGE_BYTES;

export function createDropoutMaskSource(options: DropoutMaskSourceOptions = {}): DropoutMaskSource {
  const seedBits = options.seed === undefined ? randomBytes(8).readBigUInt64LE() : seedToBits(options.seed);
  const kernel = options.implementation === 'js' ? undefined : instantiateDropoutMaskKernel();
  return kernel === undefined ? scalarSource(seedBits) : wasmSource(seedBits, kernel);
}

function wasmSource(seedBits: bigint, kernel: DropoutMaskKernel): DropoutMaskSource {
  const state = new Uint32Array(STATE_WORDS);
  return {
    implementation: 'wasm-simd',
    masks(requests, firstPass, passes) {
      const lengths = requests.map((request) => request.length * passes);
      const total = lengths.reduce((sum, length) => sum + length, 0);
      const needed = HEADER_BYTES + total * 4;
      if (needed > MAX_WASM_BYTES) {
        throw new Error(
          `dropout masks: ${passes} passes need ${(needed / 2 ** 20).toFixed(0)} MiB of masks, over the 4 GiB WebAssembly memory; run fewer passes per batch`,
        );
      }
      const have = kernel.memory.buffer.byteLength;
      if (needed > have) kernel.memory.grow(Math.ceil((needed - have) / PAGE_BYTES));
      // Views only after growing: growth detaches the old buffer.
      const buffer = kernel.memory.buffer;
      const stateView = new Uint32Array(buffer, 0, STATE_WORDS);
      const scratch = new Float32Array(buffer, STATE_BYTES, LANES);
      const out: Float32Array[] = [];
      let offset = HEADER_BYTES;
      requests.forEach((request, site) => {
        const view = new Float32Array(buffer, offset, lengths[site]!);
        const { threshold, keepBits } = thresholds(request);
        const blocks = Math.floor(request.length / LANES);
        const tail = request.length - blocks * LANES;
        for (let pass = 0; pass < passes; pass++) {
          seedStream(state, seedBits, site, firstPass + pass);
          stateView.set(state);
          const start = offset + pass * request.length * 4;
          kernel.fill(0, start, blocks, threshold, keepBits);
          if (tail > 0) {
            kernel.fill(0, STATE_BYTES, 1, threshold, keepBits);
            view.set(scratch.subarray(0, tail), (pass + 1) * request.length - tail);
          }
        }
        out.push(view);
        offset += lengths[site]! * 4;
      });
      return out;
    },
  };
}

function scalarSource(seedBits: bigint): DropoutMaskSource {
  const state = new Uint32Array(STATE_WORDS);
  let buffers: Float32Array[] = [];
  return {
    implementation: 'js',
    masks(requests, firstPass, passes) {
      buffers = requests.map((request, site) => {
        const length = request.length * passes;
        const reuse = buffers[site];
        return reuse !== undefined && reuse.length === length ? reuse : new Float32Array(length);
      });
      requests.forEach((request, site) => {
        const { threshold, keepBits } = thresholds(request);
        const bits = new Uint32Array(buffers[site]!.buffer);
        for (let pass = 0; pass < passes; pass++) {
          seedStream(state, seedBits, site, firstPass + pass);
          fillScalar(state, bits, pass * request.length, request.length, threshold >>> 0, keepBits >>> 0);
        }
      });
      return buffers;
    },
  };
}

/** The kernel's algorithm in plain JS: the same eight generators, the same output order. */
function fillScalar(
  state: Uint32Array,
  out: Uint32Array,
  start: number,
  length: number,
  threshold: number,
  keepBits: number,
): void {
  for (let block = 0; block * LANES < length; block++) {
    for (let set = 0; set < 2; set++) {
      const base = set * 16;
      for (let lane = 0; lane < 4; lane++) {
        const index = block * LANES + set * 4 + lane;
        const s0 = state[base + lane]!;
        let s1 = state[base + 4 + lane]!;
        let s2 = state[base + 8 + lane]!;
        let s3 = state[base + 12 + lane]!;
        if (index < length) out[start + index] = (s0 + s3) >>> 0 >= threshold ? keepBits : 0;
        const t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        const n0 = s0 ^ s3;
        s2 ^= t;
        s3 = (s3 << 11) | (s3 >>> 21);
        state[base + lane] = n0;
        state[base + 4 + lane] = s1;
        state[base + 8 + lane] = s2;
        state[base + 12 + lane] = s3;
      }
    }
  }
}

function thresholds(request: DropoutMaskRequest): { threshold: number; keepBits: number } {
  const { rate, keep } = request;
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout masks: rate must be in [0, 1), got ${rate}`);
  const threshold = Math.min(Math.round(rate * 2 ** 32), 2 ** 32 - 1);
  const keepBits = new Uint32Array(new Float32Array([keep]).buffer)[0]!;
  // The kernel takes i32 parameters; the bit patterns are what matter.
  return { threshold: threshold | 0, keepBits: keepBits | 0 };
}

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

/** splitmix64's output function: a bijection on 64 bits with full avalanche. */
function mix64(value: bigint): bigint {
  let z = value & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** The float64 bit pattern, so every distinct number (0.5 and 1.5 alike) is a distinct seed. */
function seedToBits(seed: number): bigint {
  if (!Number.isFinite(seed)) throw new Error(`dropout masks: seed must be finite, got ${seed}`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, seed === 0 ? 0 : seed);
  return view.getBigUint64(0);
}

/** Writes the 8 generators' states for stream (site, pass): splitmix64 from a key hashed out of the three. */
export function seedStream(state: Uint32Array, seedBits: bigint, site: number, pass: number): void {
  let key = mix64(mix64(mix64(seedBits + GOLDEN) ^ BigInt(site)) ^ BigInt(pass));
  const words = new Uint32Array(STATE_WORDS);
  for (let i = 0; i < STATE_WORDS; i += 2) {
    key = (key + GOLDEN) & MASK64;
    const value = mix64(key);
    words[i] = Number(value & 0xffffffffn);
    words[i + 1] = Number(value >> 32n);
  }
  // Lane l of set s holds words s·16 + w·4 + l (w = 0…3 the xoshiro state words).
  for (let set = 0; set < 2; set++) {
    for (let lane = 0; lane < 4; lane++) {
      let any = 0;
      for (let w = 0; w < 4; w++) {
        const value = words[(set * 4 + lane) * 4 + w]!;
        state[set * 16 + w * 4 + lane] = value;
        any |= value;
      }
      // xoshiro's one forbidden state (probability 2⁻¹²⁸).
      if (any === 0) state[set * 16 + lane] = 1;
    }
  }
}
