import type { Rng } from '@activeseg/shared';

/**
 * Fills `out` with an inverted-dropout mask: 0 with probability `rate`, else 1/(1 − rate), like tfjs' dropout. Each
 * 32-bit draw gives two 16-bit uniforms, so the drop probability is round(rate·65536)/65536 (0.2 → 0.199997).
 *
 * The generator is sfc32 inlined on local variables, seeded with four draws from `rng`: through `Rng.next()` a
 * step's 2.8 M mask values (base 8, 128², batch 5) took 60–100 ms, more than a third of the step.
 */
export function fillDropoutMask(out: Float32Array, rate: number, rng: Rng): void {
  if (!(rate >= 0 && rate < 1)) throw new Error(`fillDropoutMask: rate must be in [0, 1), got ${rate}`);
  const threshold = Math.round(rate * 65536);
  const keep = 1 / (1 - rate);
  let a = (rng.next() * 4294967296) >>> 0;
  let b = (rng.next() * 4294967296) >>> 0;
  let c = (rng.next() * 4294967296) >>> 0;
  let d = 1;
  const n = out.length;
  // Warm-up rounds decorrelate the first outputs from the seed words.
  for (let i = 0; i < n + 24; i += 2) {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    const j = i - 24;
    if (j < 0) continue;
    out[j] = t >>> 16 >= threshold ? keep : 0;
    if (j + 1 < n) out[j + 1] = (t & 0xffff) >= threshold ? keep : 0;
  }
}
