import { describe, expect, it } from 'vitest';
import { createDropoutMaskSource, type DropoutMaskRequest } from './dropout-mask-generator.js';

/** Copies, since a source's arrays are views that its next call overwrites. */
function draw(
  source: ReturnType<typeof createDropoutMaskSource>,
  requests: DropoutMaskRequest[],
  firstPass: number,
  passes: number,
): Float32Array[] {
  return source.masks(requests, firstPass, passes).map((mask) => mask.slice());
}

/** Pearson correlation of two equally long 0/1 sequences. */
function correlation(a: Float32Array, b: Float32Array): number {
  let sa = 0;
  let sb = 0;
  let sab = 0;
  for (let i = 0; i < a.length; i++) {
    sa += a[i]!;
    sb += b[i]!;
    sab += a[i]! * b[i]!;
  }
  const n = a.length;
  const ma = sa / n;
  const mb = sb / n;
  return (sab / n - ma * mb) / Math.sqrt(ma * (1 - ma) * mb * (1 - mb));
}

describe('createDropoutMaskSource', () => {
  it('runs the WebAssembly SIMD kernel here, bit-identical to the scalar JS, partial last blocks included', () => {
    const requests = [1, 7, 8, 9, 1037, 4096].map((length, i) => ({ rate: 0.1 + 0.15 * i, keep: 1 + i, length }));
    const wasm = createDropoutMaskSource({ seed: 42 });
    const js = createDropoutMaskSource({ seed: 42, implementation: 'js' });
    expect(wasm.implementation).toBe('wasm-simd');
    expect(js.implementation).toBe('js');
    for (const firstPass of [0, 5]) {
      const a = draw(wasm, requests, firstPass, 3);
      const b = draw(js, requests, firstPass, 3);
      a.forEach((mask, site) => {
        expect(mask).toHaveLength(requests[site]!.length * 3);
        expect(mask).toEqual(b[site]);
      });
    }
  });

  it.each([0.2, 0.5, 0.9])('keeps each value with probability 1 − rate (rate %s), writing 0 or `keep`', (rate) => {
    const length = 1 << 20;
    const [mask] = draw(createDropoutMaskSource({ seed: 1 }), [{ rate, keep: 1.25, length }], 0, 1);
    let kept = 0;
    let other = 0;
    for (const value of mask!) {
      if (value === 1.25) kept++;
      else if (value !== 0) other++;
    }
    expect(other).toBe(0);
    const p = 1 - rate;
    // 5 binomial standard errors.
    expect(Math.abs(kept / length - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / length));
  });

  it('keeps everything at rate 0', () => {
    const [mask] = draw(createDropoutMaskSource({ seed: 1 }), [{ rate: 0, keep: 1, length: 999 }], 0, 2);
    expect(mask!.every((value) => value === 1)).toBe(true);
  });

  it('draws independent values within a pass, across passes, across sites and across shifts', () => {
    const length = 1 << 18;
    const requests = [0, 1].map(() => ({ rate: 0.2, keep: 1, length }));
    const [first, second] = draw(createDropoutMaskSource({ seed: 7 }), requests, 0, 2);
    const pass0 = first!.subarray(0, length);
    const pass1 = first!.subarray(length);
    const bound = 5 / Math.sqrt(length);
    // Lags 1–3 compare lanes of one generator set, 4 the two sets, 8 consecutive outputs of one generator.
    for (const lag of [1, 2, 3, 4, 5, 8, 16, 64]) {
      expect(Math.abs(correlation(pass0.subarray(lag), pass0.subarray(0, length - lag)))).toBeLessThan(bound);
    }
    // Same element, next pass; same element, other dropout site.
    expect(Math.abs(correlation(pass0, pass1))).toBeLessThan(bound);
    expect(Math.abs(correlation(pass0, second!.subarray(0, length)))).toBeLessThan(bound);
    // Not a shifted window of another pass' stream.
    for (let shift = 1; shift <= 64; shift++) {
      expect(Math.abs(correlation(pass1.subarray(shift), pass0.subarray(0, length - shift)))).toBeLessThan(bound);
      expect(Math.abs(correlation(pass0.subarray(shift), pass1.subarray(0, length - shift)))).toBeLessThan(bound);
    }
  });

  it('repeats with the same seed, changes with another seed or none, and does not depend on the batching', () => {
    const requests = [
      { rate: 0.2, keep: 1, length: 3000 },
      { rate: 0.3, keep: 1, length: 517 },
    ];
    const all = draw(createDropoutMaskSource({ seed: 3 }), requests, 0, 4);
    expect(draw(createDropoutMaskSource({ seed: 3 }), requests, 0, 4)).toEqual(all);
    // Passes 0–3 drawn as 0–1 then 2–3 (and by a scalar source) are the same passes.
    const source = createDropoutMaskSource({ seed: 3 });
    const firstHalf = draw(source, requests, 0, 2);
    const secondHalf = draw(source, requests, 2, 2);
    requests.forEach((request, site) => {
      expect(firstHalf[site]).toEqual(all[site]!.subarray(0, 2 * request.length));
      expect(secondHalf[site]).toEqual(all[site]!.subarray(2 * request.length));
    });
    expect(draw(createDropoutMaskSource({ seed: 4 }), requests, 0, 4)).not.toEqual(all);
    expect(draw(createDropoutMaskSource({ seed: 3.5 }), requests, 0, 4)).not.toEqual(all);
    expect(draw(createDropoutMaskSource(), requests, 0, 4)).not.toEqual(
      draw(createDropoutMaskSource(), requests, 0, 4),
    );
  });

  it('rejects a rate outside [0, 1)', () => {
    const source = createDropoutMaskSource({ seed: 1 });
    expect(() => source.masks([{ rate: 1, keep: 1, length: 8 }], 0, 1)).toThrow(/rate/);
  });
});
