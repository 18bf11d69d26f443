import type { Region } from '@activeseg/protocol';

export interface CoveredPatch {
  col: number;
  row: number;
  x: number;
  y: number;
  size: number;
  /** Pixels of the patch inside the region (the patch's "annotated" weight mask has this many ones). */
  coveredPixels: number;
}

/** Grid-aligned patches (edge `patchSize`, origin 0,0) that a level-0 region intersects, row-major. */
export function annotationPatches(region: Region, patchSize: number): CoveredPatch[] {
  const out: CoveredPatch[] = [];
  const x1 = region.x + region.width;
  const y1 = region.y + region.height;
  for (let row = Math.floor(region.y / patchSize); row * patchSize < y1; row++) {
    for (let col = Math.floor(region.x / patchSize); col * patchSize < x1; col++) {
      const px = col * patchSize;
      const py = row * patchSize;
      const w = Math.min(x1, px + patchSize) - Math.max(region.x, px);
      const h = Math.min(y1, py + patchSize) - Math.max(region.y, py);
      out.push({ col, row, x: px, y: py, size: patchSize, coveredPixels: w * h });
    }
  }
  return out;
}
