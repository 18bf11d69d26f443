import { PRESETS, type TrainingPreset } from '../training/presets.js';

/**
 * PRESETS.tiny shrunk for tests and scripts that need a real model in seconds: 32² input, 3 levels, base 4 filters,
 * 2 epochs, 4 MC passes; 512² slide patches run through it at 256² (scale 0.5). Callers override what they measure.
 */
export const MICRO_PRESET: TrainingPreset = {
  ...PRESETS.tiny,
  unet: { inputSize: 32, levels: 3, baseFilters: 4, dropoutRate: 0.2 },
  patchSize: 32,
  scale: 0.5,
  epochs: 2,
  mcPasses: 4,
};
