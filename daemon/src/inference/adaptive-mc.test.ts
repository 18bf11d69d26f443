import { createRng, getAcquisition, summarizeMc } from '@activeseg/shared';
import { describe, expect, it } from 'vitest';
import {
  adaptiveMcTopK,
  createMcScoreAccumulator,
  meanStdFactor,
  patchesToRefine,
  type ScoreEstimate,
  topKBoundary,
} from './adaptive-mc.js';

const est = (score: number, se: number, passes = 10): ScoreEstimate => ({ score, se, passes });

/** Pass-major probability maps with per-pixel N(mean, sigma) noise, clamped to [0, 1]. */
function passes(seed: number, count: number, pixels: number, mean: number, sigma: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(count * pixels);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, mean + sigma * rng.normal()));
  return out;
}

describe('topKBoundary', () => {
  it('lies halfway between the k-th and (k+1)-th highest scores', () => {
    expect(topKBoundary([0.1, 0.9, 0.5, 0.3], 2)).toBeCloseTo(0.4);
  });
  it('is undefined when every patch is selected', () => {
    expect(topKBoundary([0.1, 0.2], 2)).toBeUndefined();
  });
});

describe('patchesToRefine', () => {
  const rule = { k: 2, z: 3, maxPasses: 50 };

  it('settles patches whose interval clears the boundary and refines those straddling it', () => {
    // Boundary (0.5 + 0.3) / 2 = 0.4: 0.5 ± 0.15 straddles it, 0.9 ± 0.01 and 0.1 ± 0.01 do not.
    const r = patchesToRefine([est(0.9, 0.01), est(0.5, 0.05), est(0.3, 0.01), est(0.1, 0.01)], rule);
    expect(r.boundary).toBeCloseTo(0.4);
    expect(r.refine).toEqual([1]);
  });

  it('never refines a patch at the cap, and refines one with an unknown se', () => {
    const r = patchesToRefine([est(0.9, 0.01), est(0.41, 1, 50), est(0.39, Number.POSITIVE_INFINITY, 1)], {
      ...rule,
      k: 1,
    });
    expect(r.refine).toEqual([2]);
  });

  it('treats a zero-variance patch as settled unless it sits exactly on the boundary', () => {
    expect(patchesToRefine([est(0.9, 0), est(0.2, 0), est(0.1, 0)], { ...rule, k: 1 }).refine).toEqual([]);
  });

  it('resumes a stopped patch once the boundary moves into its interval', () => {
    const before = patchesToRefine([est(0.9, 0.01), est(0.7, 0.02), est(0.2, 0.01), est(0.1, 0.01)], rule);
    expect(before.refine).toEqual([]);
    // Patch 2 was re-estimated upwards; the boundary is now (0.7 + 0.66) / 2 = 0.68, inside patch 1's interval.
    const after = patchesToRefine([est(0.9, 0.01), est(0.7, 0.02), est(0.66, 0.01), est(0.1, 0.01)], rule);
    expect(after.refine).toEqual([1, 2]);
  });
});

describe('createMcScoreAccumulator', () => {
  it('at the cap equals the ordinary acquisition score of all passes', () => {
    const width = 16;
    const height = 16;
    const probs = new Float32Array(50 * width * height);
    const rng = createRng(3);
    // A blob that is foreground in the mean, so the uncertainty score's EDT weights are not all zero.
    for (let p = 0; p < 50; p++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const inside = (x - 8) ** 2 + (y - 8) ** 2 < 30;
          probs[p * 256 + y * width + x] = Math.min(1, Math.max(0, (inside ? 0.8 : 0.2) + 0.15 * rng.normal()));
        }
      }
    }
    for (const acquisition of ['uncertainty', 'std'] as const) {
      const acc = createMcScoreAccumulator({ width, height, acquisition, maxPasses: 50 });
      for (let r = 0; r < 5; r++) acc.add(probs.subarray(r * 10 * 256, (r + 1) * 10 * 256), 10);
      const expected = getAcquisition(acquisition).score(summarizeMc({ width, height, passes: 50, probs }));
      expect(acc.estimate().passes).toBe(50);
      expect(acc.estimate().score).toBeCloseTo(expected, 5);
    }
  });

  it('predicts the spread of the score over repeated MC runs (delta-method se)', () => {
    const pixels = 64;
    const scores: number[] = [];
    const ses: number[] = [];
    for (let run = 0; run < 200; run++) {
      const acc = createMcScoreAccumulator({ width: 8, height: 8, acquisition: 'std', maxPasses: 20 });
      acc.add(passes(100 + run, 20, pixels, 0.5, 0.1), 20);
      scores.push(acc.estimate().score);
      ses.push(acc.estimate().se);
    }
    const mean = scores.reduce((s, v) => s + v, 0) / scores.length;
    const empirical = Math.sqrt(scores.reduce((s, v) => s + (v - mean) ** 2, 0) / (scores.length - 1));
    const predicted = ses.reduce((s, v) => s + v, 0) / ses.length;
    expect(predicted / empirical).toBeGreaterThan(0.75);
    expect(predicted / empirical).toBeLessThan(1.33);
  });

  it('scales early estimates up to the cap (population std is biased low at few passes)', () => {
    const probs = passes(9, 50, 256, 0.5, 0.1);
    const early = createMcScoreAccumulator({ width: 16, height: 16, acquisition: 'std', maxPasses: 50 });
    early.add(probs.subarray(0, 10 * 256), 10);
    const plain = getAcquisition('std').score(
      summarizeMc({ width: 16, height: 16, passes: 10, probs: probs.subarray(0, 2560) }),
    );
    expect(early.estimate().score / plain).toBeCloseTo(Math.sqrt((10 / 9) * (49 / 50)), 6);
  });
});

describe('adaptiveMcTopK on synthetic score streams', () => {
  it('returns the same top-k as all passes while drawing fewer passes', async () => {
    // 30 patches whose per-pixel MC spread (the `std` score) ranges from 0.02 to 0.3; each patch's passes are a fixed
    // seeded stream, so the adaptive run sees a prefix of exactly the passes the full run uses.
    const count = 30;
    const pixels = 64;
    const sigmas = Array.from({ length: count }, (_, i) => 0.02 + (0.28 * ((i * 7) % count)) / count);
    const streams = sigmas.map((s, i) => passes(1000 + i, 50, pixels, 0.5, s));
    const used = new Array<number>(count).fill(0);
    const result = await adaptiveMcTopK({
      count,
      width: 8,
      height: 8,
      k: 5,
      acquisition: 'std',
      sample: async (i, n) => {
        const from = (used[i] as number) * pixels;
        used[i] = (used[i] as number) + n;
        return (streams[i] as Float32Array).slice(from, from + n * pixels);
      },
    });
    const full = streams.map((probs) =>
      getAcquisition('std').score(summarizeMc({ width: 8, height: 8, passes: 50, probs })),
    );
    const fullTop = full
      .map((_, i) => i)
      .sort((a, b) => (full[b] as number) - (full[a] as number))
      .slice(0, 5);
    expect(new Set(result.topK)).toEqual(new Set(fullTop));
    expect(result.meanPasses).toBeLessThan(25);
    expect(Math.max(...result.estimates.map((e) => e.passes))).toBeLessThanOrEqual(50);
    expect(used).toEqual(result.estimates.map((e) => e.passes));
  });

  it('runs the boundary patches to the cap when they cannot be told apart', async () => {
    // Two identical-distribution patches around the boundary: neither can settle, both hit 50 passes.
    const sigmas = [0.3, 0.1, 0.1, 0.01];
    let seed = 1;
    const result = await adaptiveMcTopK({
      count: 4,
      width: 8,
      height: 8,
      k: 2,
      acquisition: 'std',
      sample: async (i, n) => passes(seed++, n, 64, 0.5, sigmas[i] as number),
    });
    expect(result.estimates.map((e) => e.passes)).toEqual([10, 50, 50, 10]);
    expect(result.topK[0]).toBe(0);
  });
});

describe('meanStdFactor', () => {
  it('scales the mean population std of n normal passes to that of M passes (c4), and leaves M alone', () => {
    const rng = createRng(3);
    const draws = 40_000;
    const meanStd = (n: number) => {
      let total = 0;
      for (let d = 0; d < draws; d++) {
        const x = Array.from({ length: n }, () => rng.normal());
        const m = x.reduce((a, b) => a + b, 0) / n;
        total += Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / n);
      }
      return total / draws;
    };
    const measured = meanStd(10) / meanStd(3);
    expect(meanStdFactor(3, 10)).toBeCloseTo(measured, 2);
    // c4(3) = √π / 2: the exact value for three passes.
    expect(meanStdFactor(3, 10)).toBeCloseTo(
      (0.9727 * Math.sqrt(0.9)) / ((Math.sqrt(Math.PI) / 2) * Math.sqrt(2 / 3)),
      3,
    );
    expect(meanStdFactor(10, 10)).toBe(1);
    expect(meanStdFactor(1, 10)).toBe(1);
  });
});
