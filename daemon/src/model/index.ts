export {
  isMcDropoutEnabled,
  McDropout,
  type McDropoutArgs,
  type McDropoutSettings,
  setMcDropoutEnabled,
  setMcDropoutSeed,
  withMcDropoutSettings,
} from './layers/mc-dropout.js';
export { WBCE_POSITIVE_WEIGHT } from './loss-constants.js';
export { type LossName, lossFunction, softDiceLoss, weightedBceLoss } from './losses.js';
export {
  BUNDLE_FILE,
  BundleManifest,
  type LoadedBundle,
  loadBundle,
  MODEL_FILE,
  Normalization,
  readBundleManifest,
  type SaveBundleOptions,
  saveBundle,
  WEIGHTS_FILE,
} from './model-bundle.js';
export { createPaperOptimizer, PaperAdam, type PaperOptimizerOptions, paperLearningRate } from './optimizer.js';
export {
  createSegmenter,
  type McPredictOptions,
  type McPredictResult,
  mcPredict,
  type PredictProbabilitiesOptions,
  predictProbabilities,
  type Segmenter,
} from './segmenter.js';
export { type TrainStepOptions, trainStep } from './train-step.js';
export { createUnet } from './unet.js';
export { filtersAtLevel, parseUnetConfig, UnetConfig, type UnetConfigInput, type UnetLoss } from './unet-config.js';
export { type LayerSpec, unetMultiplyAdds, unetSpec } from './unet-spec.js';
export { restoreWeights, snapshotWeights, type WeightSnapshot } from './weight-snapshot.js';
