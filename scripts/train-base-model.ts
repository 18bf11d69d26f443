/**
 * Reproduces the shipped base model `demo/base-model/`: the tiny preset's U-Net trained on the bundled AxonDeepSeg SEM
 * images (MIT, see demo/axondeepseg-sem/SOURCE.md) except the demo slide's subject (sub-rat8), seeded. Same seed, engine
 * and backend give the same weights.
 *
 *   npm run base-model [-- --epochs 300 --seed 1 --out demo/base-model]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_BASE_MODEL_RECIPE } from '../daemon/src/cli/base-model.js';
import { DEMO_DATA_DIR, REPO_ROOT } from '../daemon/src/cli/demo-paths.js';
import { initBackend } from '../daemon/src/cli/init-backend.js';
import { createProgressBar } from '../daemon/src/cli/progress-bar.js';
import { saveBundle } from '../daemon/src/model/index.js';
import { trainBaseModel } from '../daemon/src/simulate/train-base-model.js';
import { PRESETS } from '../daemon/src/training/presets.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: String(DEMO_BASE_MODEL_RECIPE.epochs) },
    seed: { type: 'string', default: String(DEMO_BASE_MODEL_RECIPE.seed) },
    out: { type: 'string', default: join(REPO_ROOT, 'demo', 'base-model') },
  },
});
const preset = PRESETS.tiny;
const epochs = Number(values.epochs);
const seed = Number(values.seed);
console.error(`backend: ${await initBackend({ purpose: 'train' })}`);
const bar = createProgressBar({ label: 'base model', total: epochs });
const result = await trainBaseModel({
  dataDir: DEMO_DATA_DIR,
  preset,
  epochs,
  seed,
  exclude: DEMO_BASE_MODEL_RECIPE.exclude,
  onEpoch: (r) => bar.update(r.epoch, `loss ${r.loss.toFixed(3)} val Dice ${r.valDice.toFixed(3)}`),
});
bar.finish();
const { trained } = result;
await saveBundle(values.out, {
  model: trained.model,
  config: trained.config,
  normalization: trained.normalization,
  info: {
    preset: preset.name,
    scale: preset.scale,
    epochs,
    seed,
    bestEpoch: trained.bestEpoch,
    bestValDice: trained.bestValDice,
    trainPatches: result.trainPatches,
    valPatches: result.valPatches,
    images: result.images,
    excluded: DEMO_BASE_MODEL_RECIPE.exclude,
    engine: trained.engine,
    data: 'AxonDeepSeg SEM (MIT, Copyright (c) 2020 ivadomed), doi:10.5281/zenodo.5498378: demo/axondeepseg-sem',
  },
});
trained.model.dispose();
console.log(
  `saved ${values.out}: ${result.images.length} images, best validation Dice ${trained.bestValDice.toFixed(3)} at epoch ${trained.bestEpoch} (${trained.seconds.toFixed(0)} s)`,
);
