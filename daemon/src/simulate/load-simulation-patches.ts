import { cutPatches } from '../data/cut-patches.js';
import { downscalePair } from '../data/downscale.js';
import { loadDataset } from '../data/load-dataset.js';
import type { MaskMapping } from '../data/mask-mapping.js';
import type { PoolCandidate } from './score-pool.js';

export interface LoadSimulationPatchesOptions {
  dir: string;
  images?: string;
  masks?: string;
  mapping?: MaskMapping;
  patchSize: number;
  scale: number;
  /** Patches with fewer annotated (non-padding) pixels than this fraction are dropped: mostly mirror padding. */
  minAnnotatedFraction?: number;
}

export interface LoadSimulationPatchesResult {
  readonly patches: PoolCandidate[];
  readonly images: number;
  /** Objects (connected components) are counted by the caller from these. */
  readonly dropped: number;
}

/** Loads a data set folder and cuts it into the simulator's candidate patches (image, mask, weight, origin). */
export async function loadSimulationPatches(
  options: LoadSimulationPatchesOptions,
): Promise<LoadSimulationPatchesResult> {
  const { items } = await loadDataset({
    dir: options.dir,
    ...(options.images ? { images: options.images } : {}),
    ...(options.masks ? { masks: options.masks } : {}),
    ...(options.mapping ? { mapping: options.mapping } : {}),
  });
  const scaled = items.map((it) => ({ id: it.id, ...downscalePair(it, options.scale) }));
  const { patches } = cutPatches(scaled, { patchSize: options.patchSize });
  const min = (options.minAnnotatedFraction ?? 0.5) * options.patchSize * options.patchSize;
  const kept = patches.filter((p) => p.weight.reduce((a, b) => a + b, 0) >= min);
  return { patches: kept, images: items.length, dropped: patches.length - kept.length };
}
