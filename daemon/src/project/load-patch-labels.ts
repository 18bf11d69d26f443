import sharp from 'sharp';
import type { Store } from '../store/db.js';
import type { ProjectPaths } from './project-paths.js';

export interface PatchLabels {
  size: number;
  /** 0/1 myelin labels; meaningful only where `weight` is 1. */
  labels: Uint8Array;
  /** 1 where some annotation labelled the pixel, 0 elsewhere (partial coverage must not train as background). */
  weight: Uint8Array;
}

/** Assembles the labels of one grid cell from every annotation covering it; later annotations win. */
export async function loadPatchLabels(
  deps: { store: Store; paths: ProjectPaths },
  cell: { slideId: string; col: number; row: number; size: number; z?: number | undefined },
): Promise<PatchLabels> {
  const { size } = cell;
  const labels = new Uint8Array(size * size);
  const weight = new Uint8Array(size * size);
  const px = cell.col * size;
  const py = cell.row * size;
  for (const a of deps.store.annotations.listForCell(cell.slideId, cell.col, cell.row, cell.z ?? 0)) {
    const x0 = Math.max(px, a.x);
    const y0 = Math.max(py, a.y);
    const x1 = Math.min(px + size, a.x + a.width);
    const y1 = Math.min(py + size, a.y + a.height);
    if (x1 <= x0 || y1 <= y0) continue;
    const { data } = await sharp(deps.paths.fromStored(a.maskPath))
      .extract({ left: x0 - a.x, top: y0 - a.y, width: x1 - x0, height: y1 - y0 })
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const w = x1 - x0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = (y - py) * size + (x - px);
        labels[i] = data[(y - y0) * w + (x - x0)]! > 127 ? 1 : 0;
        weight[i] = 1;
      }
    }
  }
  return { size, labels, weight };
}
