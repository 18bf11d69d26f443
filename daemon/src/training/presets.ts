/**
 * Training presets. `tem` and `sbem` are the paper's settings (Table I); `tiny` is a CPU-sized model for tests, demos and
 * the simulator on a laptop: same architecture and losses, smaller input, fewer filters and epochs.
 */
export interface TrainingPreset {
  readonly name: PresetName;
  /** U-Net settings (merged over the defaults of parseUnetConfig). */
  readonly unet: { inputSize: number; levels: number; baseFilters: number; dropoutRate: number };
  /** Side of the square patches cut from the images; equals the model input. */
  readonly patchSize: number;
  /** Images are resampled by this factor before patching (1 = native resolution). */
  readonly scale: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly stepsPerEpoch: number;
  readonly learningRate: number;
  /** Monte-Carlo dropout passes per patch when scoring. */
  readonly mcPasses: number;
  /** Active-learning split defaults: initial training patches, validation patches, test patches. */
  readonly split: { initial: number; val: number; test: number };
}

export const PRESET_NAMES = ['tem', 'sbem', 'tiny'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

const paper = {
  unet: { inputSize: 512, levels: 5, baseFilters: 32, dropoutRate: 0.2 },
  patchSize: 512,
  scale: 1,
  batchSize: 5,
  stepsPerEpoch: 2,
  learningRate: 1e-2,
  mcPasses: 50,
} as const;

export const PRESETS: Readonly<Record<PresetName, TrainingPreset>> = {
  tem: { name: 'tem', ...paper, epochs: 800, split: { initial: 2, val: 2, test: 20 } },
  sbem: { name: 'sbem', ...paper, epochs: 3500, split: { initial: 5, val: 10, test: 10 } },
  tiny: {
    name: 'tiny',
    unet: { inputSize: 64, levels: 3, baseFilters: 8, dropoutRate: 0.2 },
    patchSize: 64,
    scale: 0.5,
    epochs: 40,
    batchSize: 5,
    stepsPerEpoch: 2,
    learningRate: 1e-2,
    mcPasses: 10,
    split: { initial: 4, val: 4, test: 16 },
  },
};

export function getPreset(name: string): TrainingPreset {
  if ((PRESET_NAMES as readonly string[]).includes(name)) return PRESETS[name as PresetName];
  throw new Error(`unknown preset "${name}": expected one of ${PRESET_NAMES.join(', ')}`);
}
