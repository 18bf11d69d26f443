import type { Project } from '../compose-project.js';
import { atomicWrite } from '../store/atomic-write.js';
import { encodeScoreMap } from '../store/score-map.js';

/**
 * Test support: stores model version `modelVersion`'s maps and score row for one cell, as the infer job would, with
 * P(myelin) = `probability(x, y)` in cell pixels and the given acquisition score.
 */
export async function writePrediction(
  project: Project,
  cell: { slideId: string; modelVersion: number; col: number; row: number; size: number; score?: number },
  probability: (x: number, y: number) => number,
): Promise<void> {
  const { size } = cell;
  const mean = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) mean[y * size + x] = probability(x, y);
  const file = project.paths.scoreMap(cell.slideId, cell.modelVersion, cell.col, cell.row);
  await atomicWrite(file, encodeScoreMap(mean, new Float32Array(size * size)));
  project.store.scores.upsert({
    slideId: cell.slideId,
    modelVersion: cell.modelVersion,
    col: cell.col,
    row: cell.row,
    size,
    score: cell.score ?? 1,
    meanFg: 0.5,
    meanStd: 0,
    mapPath: project.paths.toRelative(file),
    createdAt: new Date().toISOString(),
  });
}
