import { affineValues, extractPatch, type FloatImage, patchGrid } from '@activeseg/shared';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { mcPredict, predictProbabilities } from '../model/index.js';
import type { NormalizationStats } from '../training/normalization-stats.js';
import { uncertaintyMap } from './uncertainty-map.js';

export interface PredictImageOptions {
  readonly model: LayersModel;
  readonly normalization: NormalizationStats;
  /** Monte-Carlo passes; 0 = deterministic prediction only. */
  readonly mcPasses?: number;
  readonly seed?: number;
  readonly onPatch?: (done: number, total: number) => void;
}

export interface PatchUncertainty {
  readonly x: number;
  readonly y: number;
  /** The paper's score: mean of std × EDT(mean > 0.5) over the patch's real pixels. */
  readonly score: number;
}

export interface PredictImageResult {
  /** Foreground probability (MC mean when mcPasses > 0), image-sized. */
  readonly probability: FloatImage;
  /** std × EDT map, image-sized; only with mcPasses > 0. */
  readonly uncertainty?: FloatImage;
  readonly patches: readonly PatchUncertainty[];
}

/**
 * Segments a whole image patch by patch on the model's input grid (reflect padding at the right and bottom edges,
 * like training), and with Monte-Carlo passes also the uncertainty map and one score per patch.
 */
export function predictImage(image: FloatImage, options: PredictImageOptions): PredictImageResult {
  const size = options.model.inputs[0]?.shape[1];
  if (typeof size !== 'number') throw new Error('predictImage: model input size is not fixed');
  const grid = patchGrid({ width: image.width, height: image.height, patchSize: size });
  const prob = new Float32Array(image.width * image.height);
  const passes = options.mcPasses ?? 0;
  const unc = passes > 0 ? new Float32Array(image.width * image.height) : undefined;
  const patches: PatchUncertainty[] = [];
  const inv = 1 / options.normalization.std;
  grid.forEach((cell, i) => {
    const patch = extractPatch(image, { x: cell.x, y: cell.y, size, pad: 'reflect' });
    const x = affineValues(patch.data, inv, -options.normalization.mean * inv);
    let mean: Float32Array;
    let map: Float32Array | undefined;
    if (passes > 0) {
      const mc = mcPredict(options.model, x, { passes, seed: (options.seed ?? 1) + i });
      mean = mc.mean;
      map = uncertaintyMap(mc.mean, mc.std, size);
    } else {
      mean = predictProbabilities(options.model, x, { size, batchSize: 1 });
    }
    const w = Math.min(size, image.width - cell.x);
    const h = Math.min(size, image.height - cell.y);
    let sum = 0;
    for (let yy = 0; yy < h; yy++) {
      for (let xx = 0; xx < w; xx++) {
        const o = (cell.y + yy) * image.width + cell.x + xx;
        prob[o] = mean[yy * size + xx] as number;
        if (unc && map) {
          unc[o] = map[yy * size + xx] as number;
          sum += unc[o] as number;
        }
      }
    }
    if (map) patches.push({ x: cell.x, y: cell.y, score: sum / (w * h) });
    options.onPatch?.(i + 1, grid.length);
  });
  return {
    probability: { width: image.width, height: image.height, data: prob },
    ...(unc ? { uncertainty: { width: image.width, height: image.height, data: unc } } : {}),
    patches,
  };
}
