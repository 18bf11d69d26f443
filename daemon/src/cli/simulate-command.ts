import { parseArgs } from 'node:util';
import { runSimulation, type SimulationEvent } from '../simulate/run-simulation.js';
import { parseStrategies } from '../simulate/strategies.js';
import { getPreset } from '../training/presets.js';
import { parseTrainStepEngine, resolveTrainStepEngine } from '../training/train-step-engine.js';
import { initBackend } from './init-backend.js';
import { intOption } from './int-option.js';
import { maskMappingOption, maskMappingUsage } from './mask-mapping-option.js';
import { createProgressBar, type ProgressBar } from './progress-bar.js';

export const SIMULATE_USAGE = `activeseg simulate --data <dir> [options]

Reproduces the paper's active-learning experiment: uncertainty vs random (and other) selection, several seeded
experiments, test metrics per iteration.

  --data <dir>           data set folder with an images and a masks subfolder of same-named files (required)
  --images <name>        image subfolder (default images)
  --masks <name>         mask subfolder (default masks-myelin)
${maskMappingUsage(25)}
  --preset <name>        tem | sbem | tiny (default tiny)
  --strategies <list>    comma list of uncertainty, random, entropy, bald, std, diverse (default uncertainty,random)
  --iterations <n>       acquisition iterations (default 15)
  --experiments <n>      seeded repetitions (default 10)
  --initial <n>          initial training patches (preset default)
  --val <n>              validation patches (preset default)
  --test <n>             test patches (preset default)
  --test-subjects <list> comma list of subject-name prefixes whose patches are the test set (e.g. sub-rat3,sub-rat8);
                         default: whole subjects drawn by seed
  --per-iteration <n>    patches added per iteration (default 1)
  --retrain <mode>       scratch (the paper) | finetune (default scratch); finetune keeps the latest weights
                         under <out>/state/ so it resumes too
  --kfold <k>            k-fold cross-validation (default off): each iteration splits the labelled patches (initial
                         + acquired + validation) into k folds, trains k models (model i validates on fold i), and
                         scores the test set and pool with their ensemble; k ≥ 2
  --probe-rate <r>       random probes in [0, 1) (default 0: none): each iteration also labels random pool patches
                         (this fraction of all labelled ones, at least one) and estimates the model's Dice from
                         them as the daemon does; metrics gain pre_dice, est_dice, est_lo, est_hi
  --loss <name>          dice | wbce (default dice)
  --epochs <n>           override the preset's epochs
  --passes <n>           override the preset's Monte-Carlo passes
  --seed <n>             base seed (default 1)
  --out <dir>            output folder (default runs/<preset>-<seed>); an existing one is resumed
  --no-heatmaps          skip the heat-map PNGs
  --backend <name>       force a tfjs backend (wasm, cpu, …)
  --train-engine <e>     auto | onnxruntime | tfjs (default auto: onnxruntime on CPU backends)`;

export async function simulateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      images: { type: 'string' },
      masks: { type: 'string' },
      'mask-mapping': { type: 'string' },
      'mask-values': { type: 'string' },
      preset: { type: 'string', default: 'tiny' },
      strategies: { type: 'string', default: 'uncertainty,random' },
      iterations: { type: 'string', default: '15' },
      experiments: { type: 'string' },
      initial: { type: 'string' },
      val: { type: 'string' },
      test: { type: 'string' },
      'test-subjects': { type: 'string' },
      'probe-rate': { type: 'string' },
      'per-iteration': { type: 'string', default: '1' },
      retrain: { type: 'string', default: 'scratch' },
      kfold: { type: 'string' },
      loss: { type: 'string', default: 'dice' },
      epochs: { type: 'string' },
      passes: { type: 'string' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      'no-heatmaps': { type: 'boolean', default: false },
      backend: { type: 'string' },
      'train-engine': { type: 'string', default: 'auto' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(SIMULATE_USAGE);
    return 0;
  }
  if (!values.data) throw new Error('--data is required (a folder with images/ and masks-myelin/ subfolders)');
  const preset = getPreset(values.preset);
  const { mapping } = maskMappingOption({ mapping: values['mask-mapping'], values: values['mask-values'] });
  if (values.retrain !== 'scratch' && values.retrain !== 'finetune') {
    throw new Error(`--retrain: expected scratch or finetune, got "${values.retrain}"`);
  }
  if (values.loss !== 'dice' && values.loss !== 'wbce')
    throw new Error(`--loss: expected dice or wbce, got "${values.loss}"`);
  const seed = intOption('seed', values.seed, { min: 0 });
  const kfold = values.kfold === undefined ? undefined : intOption('kfold', values.kfold, { min: 2 });
  const split = {
    ...(values.initial ? { initial: intOption('initial', values.initial, { min: 1 }) } : {}),
    ...(values.val ? { val: intOption('val', values.val, { min: 1 }) } : {}),
    ...(values.test ? { test: intOption('test', values.test, { min: 1 }) } : {}),
  };
  const probeRate = values['probe-rate'] === undefined ? undefined : Number(values['probe-rate']);
  if (probeRate !== undefined && !(probeRate >= 0 && probeRate < 1)) {
    throw new Error(`--probe-rate: expected a number in [0, 1), got "${values['probe-rate']}"`);
  }
  const testSubjects = values['test-subjects']
    ?.split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  if (testSubjects !== undefined && testSubjects.length === 0) {
    throw new Error('--test-subjects: expected a comma list of subject-name prefixes, e.g. sub-rat3,sub-rat8');
  }
  const backend = await initBackend({ prefer: values.backend, purpose: 'train' });
  console.error(`backend: ${backend}`);
  const trainEngine = parseTrainStepEngine(values['train-engine']);
  const resolved = await resolveTrainStepEngine(trainEngine);
  console.error(`training engine: ${resolved.engine} (${resolved.why})`);
  const out = values.out ?? `runs/${preset.name}-${seed}`;

  let iterBar: ProgressBar | undefined;
  let runBar: ProgressBar | undefined;
  const onEvent = (e: SimulationEvent) => {
    switch (e.type) {
      case 'start':
        if (e.split.warning) console.error(`warning: ${e.split.warning}`);
        console.error(
          `${e.patches} patches: ${e.split.initial.length} initial, ${e.split.val.length} val, ${e.split.test.length} test, ${e.split.pool.length} pool; ${e.doneIterations}/${e.totalIterations} iterations already done`,
        );
        runBar = createProgressBar({ label: 'run', total: e.totalIterations });
        runBar.update(e.doneIterations);
        break;
      case 'iteration-start':
        iterBar = createProgressBar({ label: `  ${e.strategy} exp ${e.experiment} it ${e.iteration}`, total: 1 });
        break;
      case 'epoch':
        if (!iterBar || e.epoch === 1) {
          iterBar = createProgressBar({
            label: `  ${e.strategy} exp ${e.experiment} it ${e.iteration} train${e.fold === undefined ? '' : ` fold ${e.fold}`}`,
            total: e.epochs,
          });
        }
        iterBar.update(e.epoch, `loss ${e.loss.toFixed(3)} val Dice ${e.valDice.toFixed(3)}`);
        break;
      case 'scoring':
        if (e.done === 1) iterBar = createProgressBar({ label: '  scoring pool', total: e.total });
        iterBar?.update(e.done);
        break;
      case 'iteration':
        iterBar?.finish();
        iterBar = undefined;
        console.error(
          `  ${e.row.strategy} exp ${e.row.experiment} it ${e.row.iteration}: n_train ${e.row.n_train} test Dice ${e.row.dice.toFixed(3)}${e.row.selected.length ? ` → ${e.row.selected.join(', ')}` : ''}`,
        );
        runBar?.update(e.doneIterations);
        break;
    }
  };
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted; run the same command again to resume'));
  process.once('SIGINT', onSigint);
  try {
    const result = await runSimulation({
      data: {
        dir: values.data,
        ...(values.images ? { images: values.images } : {}),
        ...(values.masks ? { masks: values.masks } : {}),
        ...(mapping ? { mapping } : {}),
      },
      preset,
      strategies: parseStrategies(values.strategies),
      iterations: intOption('iterations', values.iterations, { min: 0 }),
      experiments: values.experiments ? intOption('experiments', values.experiments, { min: 1 }) : 10,
      split,
      perIteration: intOption('per-iteration', values['per-iteration'], { min: 1 }),
      retrain: values.retrain,
      ...(kfold === undefined ? {} : { kfold }),
      ...(probeRate === undefined ? {} : { probeRate }),
      ...(testSubjects === undefined ? {} : { testSubjects }),
      seed,
      trainEngine,
      out,
      loss: values.loss,
      ...(values.epochs ? { epochs: intOption('epochs', values.epochs, { min: 1 }) } : {}),
      ...(values.passes ? { mcPasses: intOption('passes', values.passes, { min: 2 }) } : {}),
      heatmaps: !values['no-heatmaps'],
      onEvent,
      signal: controller.signal,
    });
    runBar?.finish();
    console.log(`wrote ${result.out}/metrics.csv, metrics.jsonl, report.svg, report.png, summary.md`);
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
