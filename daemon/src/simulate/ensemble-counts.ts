import { type ConfusionCounts, confusionCounts } from '@activeseg/shared';
import { predictProbabilities } from '../model/index.js';
import { normalizeInto } from '../training/normalization-stats.js';
import type { TrainedModel } from '../training/train-model.js';
import type { PoolCandidate } from './score-pool.js';

/** Per patch: the ensemble's thresholded prediction (probabilities averaged over the models) against its label. */
export function ensembleCounts(
  models: readonly TrainedModel[],
  patches: readonly Pick<PoolCandidate, 'image' | 'mask' | 'weight'>[],
): ConfusionCounts[] {
  if (patches.length === 0) return [];
  const size = (models[0] as TrainedModel).config.inputSize;
  const px = size * size;
  let probs: Float32Array | undefined;
  for (const trained of models) {
    const images = new Float32Array(patches.length * px);
    patches.forEach((p, i) => {
      normalizeInto(images, i * px, p.image, trained.normalization);
    });
    const pm = predictProbabilities(trained.model, images, { size, batchSize: 8 });
    if (!probs) probs = pm;
    else for (let k = 0; k < probs.length; k++) probs[k] = (probs[k] as number) + (pm[k] as number);
  }
  if (!probs) throw new Error('ensembleCounts: no models');
  if (models.length > 1) for (let k = 0; k < probs.length; k++) probs[k] = (probs[k] as number) / models.length;
  return patches.map((p, i) => {
    const pred = new Uint8Array(px);
    for (let k = 0; k < px; k++) pred[k] = (probs[i * px + k] as number) > 0.5 ? 1 : 0;
    return confusionCounts(pred, p.mask, p.weight);
  });
}
