import { parseArgs } from 'node:util';
import { saveBundle } from '../model/index.js';
import { loadSimulationPatches } from '../simulate/load-simulation-patches.js';
import { splitTrainVal } from '../simulate/split-train-val.js';
import { getPreset } from '../training/presets.js';
import { trainModel } from '../training/train-model.js';
import { parseTrainStepEngine, resolveTrainStepEngine } from '../training/train-step-engine.js';
import { initBackend } from './init-backend.js';
import { intOption } from './int-option.js';
import { maskMappingOption, maskMappingUsage } from './mask-mapping-option.js';
import { createProgressBar } from './progress-bar.js';

export const TRAIN_USAGE = `activeseg train --data <dir> --out <bundle dir> [options]

Trains the paper's U-Net on every annotated patch of a data set folder (validation split held out by subject) and
saves a model bundle (model.json, weights.bin, bundle.json with config and normalisation).

  --data <dir>        folder with images/ and masks-myelin/ (same-named files)
  --images <name>     image subfolder (default images)
  --masks <name>      mask subfolder (default masks-myelin)
${maskMappingUsage(22)}
  --preset <name>     tem | sbem | tiny (default tiny)
  --epochs <n>        override the preset's epochs
  --val <n>           validation patches (default: 20 % of the patches)
  --loss <name>       dice | wbce (default dice)
  --seed <n>          seed (default 1)
  --out <dir>         bundle folder (required)
  --backend <name>    force a tfjs backend
  --train-engine <e>  auto | onnxruntime | tfjs (default auto: onnxruntime on CPU backends)`;

export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      images: { type: 'string' },
      masks: { type: 'string' },
      'mask-mapping': { type: 'string' },
      'mask-values': { type: 'string' },
      preset: { type: 'string', default: 'tiny' },
      epochs: { type: 'string' },
      val: { type: 'string' },
      loss: { type: 'string', default: 'dice' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      backend: { type: 'string' },
      'train-engine': { type: 'string', default: 'auto' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(TRAIN_USAGE);
    return 0;
  }
  if (!values.data) throw new Error('--data is required');
  if (!values.out) throw new Error('--out is required (the model bundle folder)');
  if (values.loss !== 'dice' && values.loss !== 'wbce')
    throw new Error(`--loss: expected dice or wbce, got "${values.loss}"`);
  const preset = getPreset(values.preset);
  const { mapping } = maskMappingOption({ mapping: values['mask-mapping'], values: values['mask-values'] });
  const seed = intOption('seed', values.seed, { min: 0 });
  console.error(`backend: ${await initBackend({ prefer: values.backend, purpose: 'train' })}`);
  const trainEngine = parseTrainStepEngine(values['train-engine']);
  const resolved = await resolveTrainStepEngine(trainEngine);
  console.error(`training engine: ${resolved.engine} (${resolved.why})`);
  const { patches } = await loadSimulationPatches({
    dir: values.data,
    ...(values.images ? { images: values.images } : {}),
    ...(values.masks ? { masks: values.masks } : {}),
    ...(mapping ? { mapping } : {}),
    patchSize: preset.patchSize,
    scale: preset.scale,
  });
  const valCount = values.val
    ? intOption('val', values.val, { min: 1 })
    : Math.max(1, Math.round(patches.length * 0.2));
  const { train, val } = splitTrainVal(patches, { valCount, seed });
  const epochs = values.epochs ? intOption('epochs', values.epochs, { min: 1 }) : preset.epochs;
  console.error(
    `${train.length} training and ${val.length} validation patches of ${preset.patchSize}², ${epochs} epochs`,
  );
  const bar = createProgressBar({ label: 'train', total: epochs });
  const result = await trainModel({
    train,
    val,
    unet: { ...preset.unet, loss: values.loss },
    epochs,
    batchSize: preset.batchSize,
    stepsPerEpoch: preset.stepsPerEpoch,
    learningRate: preset.learningRate,
    seed,
    engine: trainEngine,
    onEpoch: (r) => bar.update(r.epoch, `loss ${r.loss.toFixed(3)} val Dice ${r.valDice.toFixed(3)}`),
  });
  bar.finish();
  await saveBundle(values.out, {
    model: result.model,
    config: result.config,
    normalization: result.normalization,
    info: {
      preset: preset.name,
      scale: preset.scale,
      epochs,
      bestEpoch: result.bestEpoch,
      bestValDice: result.bestValDice,
      trainPatches: train.length,
      valPatches: val.length,
      seed,
      data: values.data,
      seconds: result.seconds,
    },
  });
  result.model.dispose();
  console.log(
    `saved ${values.out}: best validation Dice ${result.bestValDice.toFixed(3)} at epoch ${result.bestEpoch} (${result.seconds.toFixed(0)} s)`,
  );
  return 0;
}
