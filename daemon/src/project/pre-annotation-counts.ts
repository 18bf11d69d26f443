import type { Region } from '@activeseg/protocol';
import type { ConfusionCounts } from '@activeseg/shared';

/** One grid cell's stored prediction: the mean probability × 255 over the cell's `size²` level-0 pixels. */
export interface CellPrediction {
  col: number;
  row: number;
  size: number;
  mean: Uint8Array;
}

/** P(myelin) ≥ 0.5, as the viewer's prediction overlay and "fill from prediction" threshold it, on the 0–255 scale. */
export const PREDICTION_THRESHOLD_BYTE = 128;

/**
 * Confusion counts of the thresholded prediction against a new label, over the annotated pixels only (the region:
 * every pixel of it was labelled by the person, nothing outside it was). `mask` is region-sized, row-major, non-zero
 * = myelin. Each cell contributes the part of the region it covers; `cells` must cover the whole region.
 */
export function preAnnotationCounts(
  region: Region,
  mask: Uint8Array,
  cells: readonly CellPrediction[],
): ConfusionCounts {
  if (mask.length !== region.width * region.height) {
    throw new RangeError(`mask has ${mask.length} pixels, region ${region.width}×${region.height}`);
  }
  const counts: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  let covered = 0;
  for (const cell of cells) {
    const { size, mean } = cell;
    const cx = cell.col * size;
    const cy = cell.row * size;
    const x0 = Math.max(cx, region.x);
    const y0 = Math.max(cy, region.y);
    const x1 = Math.min(cx + size, region.x + region.width);
    const y1 = Math.min(cy + size, region.y + region.height);
    for (let y = y0; y < y1; y++) {
      const m = (y - region.y) * region.width - region.x;
      const p = (y - cy) * size - cx;
      for (let x = x0; x < x1; x++) {
        const truth = mask[m + x] !== 0;
        const pred = (mean[p + x] as number) >= PREDICTION_THRESHOLD_BYTE;
        if (pred) {
          if (truth) counts.tp++;
          else counts.fp++;
        } else if (truth) counts.fn++;
        else counts.tn++;
      }
    }
    covered += Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  }
  if (covered !== mask.length) {
    throw new RangeError(`cells cover ${covered} of the region's ${mask.length} pixels`);
  }
  return counts;
}
