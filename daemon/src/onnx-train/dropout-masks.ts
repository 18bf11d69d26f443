import type { Rng } from '@activeseg/shared';

/**
 * Fills `out` with an inverted-dropout mask: 0 with probability `rate`, else 1/(1 − rate), like tfjs' dropout. Each
 * 32-bit draw gives two 16-bit uniforms, so the drop probability is round(rate·65536)/65536 (0.2 → 0.199997).
 */
export function fillDropoutMask(out: Float32Array, rate: number, rng: Rng): void {
  if (!(rate >= 0 && rate < 1)) throw new Error(`fillDropoutMask: rate must be in [0, 1), got ${rate}`);
  const threshold = Math.round(rate * 65536);
  const keep = 1 / (1 - rate);
  const n = out.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const u = (rng.next() * 4294967296) >>> 0;
    out[i] = u >>> 16 >= threshold ? keep : 0;
    out[i + 1] = (u & 0xffff) >= threshold ? keep : 0;
  }
  if (i < n) out[i] = (rng.next() * 65536) >>> 0 >= threshold ? keep : 0;
}
