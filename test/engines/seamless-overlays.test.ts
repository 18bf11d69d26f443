import { describe, expect, it } from 'vitest';
import { CONTEXT_MARGIN } from '../../daemon/src/engine/model-engine.js';
import { scoreDemoSlide } from './score-demo-slide.js';
import { type SeamJumps, seamJumps } from './seam-jumps.js';

/**
 * The overlays of the demo slide (real SEM, the shipped base model, the daemon's infer job and stored score maps)
 * must show no 512-px grid: across a cell border the prediction and the uncertainty step no more than they do between
 * neighbouring pixels inside cells. Scored without context each cell's border pixels see zero padding where their
 * neighbours are, and the grid shows.
 */
describe('slide overlays', () => {
  it('step across cell borders as they do inside cells, and only when cells are scored with context', async () => {
    const jumps = async (contextMargin: number) => {
      const slide = await scoreDemoSlide({ contextMargin });
      expect(slide.cells).toBe(12);
      // Maps are the model's ½-scale output repeated 2×2: inside steps are counted where model pixels meet.
      const options = { cellSize: slide.patchSize, step: 2 };
      return {
        mean: seamJumps({ width: slide.width, height: slide.height, data: slide.mean }, options),
        std: seamJumps({ width: slide.width, height: slide.height, data: slide.std }, options),
      };
    };
    const alone = await jumps(0);
    const withContext = await jumps(CONTEXT_MARGIN);
    const brief = (j: SeamJumps) => `${j.border.toFixed(4)} / ${j.inside.toFixed(4)} = ${j.ratio.toFixed(3)}`;
    const report = `border / inside step — alone: mean ${brief(alone.mean)}, std ${brief(alone.std)}; with ${CONTEXT_MARGIN} px context: mean ${brief(withContext.mean)}, std ${brief(withContext.std)}`;
    // 6370 border pairs: the ratio's sampling error is about 0.015.
    expect(alone.mean.borderPairs, report).toBeGreaterThan(6000);
    // Measured alone 1.32–1.34 (mean) and 1.31–1.40 (std); with 16, 32 or 64 px of context 0.96–1.00 for both.
    expect(alone.mean.ratio, report).toBeGreaterThan(1.2);
    expect(alone.std.ratio, report).toBeGreaterThan(1.2);
    expect(withContext.mean.ratio, report).toBeLessThan(1.1);
    expect(withContext.std.ratio, report).toBeLessThan(1.1);
    console.log(report);
  }, 300_000);
});
