/**
 * Which U-Net size should the default preset have? For each size: trained as the shipped base model is (the `tiny`
 * preset's recipe and data split, `trainBaseModel`) on every subject but the held-out ones, for the same wall-clock
 * budget (epochs = budget / measured seconds per epoch, capped), then parameters, multiply-adds per 512² cell, training
 * time, Monte-Carlo scoring time per cell (onnxruntime, as the daemon runs it) and pooled Dice on the held-out subjects.
 * Prints a markdown table (docs/base-model.md, "Model size", holds the last run).
 *
 *   npx tsx scripts/model-size.ts [--sizes 3x8,4x16,5x16,5x32] [--seeds 1] [--budget-s 150] [--holdout sub-rat8,sub-rat2]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DEMO_BASE_MODEL_RECIPE } from '../daemon/src/cli/base-model.js';
import { DEMO_DATA_DIR } from '../daemon/src/cli/demo-paths.js';
import { initBackend } from '../daemon/src/cli/init-backend.js';
import { createMcRunner } from '../daemon/src/inference/create-mc-runner.js';
import { parseUnetConfig, unetMultiplyAdds, unetSpec } from '../daemon/src/model/index.js';
import { ANNOTATION_CELL_PX, annotationCells, diceOn } from '../daemon/src/simulate/base-vs-scratch.js';
import { loadSimulationPatches } from '../daemon/src/simulate/load-simulation-patches.js';
import { isExcluded, trainBaseModel } from '../daemon/src/simulate/train-base-model.js';
import { normalizeInto } from '../daemon/src/training/normalization-stats.js';
import { PRESETS, type TrainingPreset } from '../daemon/src/training/presets.js';
import type { TrainedModel } from '../daemon/src/training/train-model.js';

const usage = `usage: npx tsx scripts/model-size.ts [options]
  --sizes 3x8,4x16,5x16,5x32   U-Net sizes as <levels>x<base filters> (input size and scale: the tiny preset's)
  --seeds 1                    comma-separated seeds; every size is trained once per seed
  --budget-s 150               training wall-clock budget per model: epochs = budget / seconds per epoch (measured)
  --max-epochs 300             cap on the epochs (the shipped base model's recipe)
  --holdout sub-rat8,sub-rat2  subjects kept out of training; Dice is pooled over their images
  --mc-cells 2                 held-out 512² cells timed for Monte-Carlo scoring (the preset's passes)
  --data <dir>                 data set folder (default: the demo's AxonDeepSeg SEM images)`;

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '3x8,4x16,5x16,5x32' },
    seeds: { type: 'string', default: '1' },
    'budget-s': { type: 'string', default: '150' },
    'max-epochs': { type: 'string', default: String(DEMO_BASE_MODEL_RECIPE.epochs) },
    holdout: { type: 'string', default: 'sub-rat8,sub-rat2' },
    'mc-cells': { type: 'string', default: '2' },
    data: { type: 'string', default: DEMO_DATA_DIR },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}

function parseSize(text: string): { levels: number; baseFilters: number } {
  const m = /^(\d+)x(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`--sizes: "${text}" is not <levels>x<base filters>, e.g. 4x16`);
  return { levels: Number(m[1]), baseFilters: Number(m[2]) };
}
function positive(name: string, text: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name}: expected a positive number, got "${text}"`);
  return v;
}

const sizes = values.sizes.split(',').map(parseSize);
const seeds = values.seeds.split(',').map((s) => positive('seeds', s));
const budgetS = positive('budget-s', values['budget-s']);
const maxEpochs = positive('max-epochs', values['max-epochs']);
const mcCells = positive('mc-cells', values['mc-cells']);
const holdout = values.holdout.split(',');
const base = PRESETS.tiny;
// Epochs per calibration run: the first epoch carries the engine's start-up, the later ones give the rate.
const CALIBRATION_EPOCHS = 4;

const started = Date.now();
const loads = [loadavg()[0] as number];
console.error(`backend: ${await initBackend({ purpose: 'train' })}`);
const { patches } = await loadSimulationPatches({ dir: values.data, patchSize: base.patchSize, scale: base.scale });
const heldOut = patches.filter((p) => isExcluded(p.sourceId, holdout));
if (heldOut.length === 0) throw new Error(`--holdout: no image of ${values.data} starts with ${holdout.join(' or ')}`);
const timedCells = annotationCells(heldOut, { scale: base.scale, patchSize: base.patchSize, seed: 1 }).slice(
  0,
  mcCells,
);
// Multiply-adds scale with pixels, so a cell's are those of a network whose input is the cell at the model's scale.
const cellSide = ANNOTATION_CELL_PX * base.scale;

/**
 * Seconds for the preset's MC passes over one full cell: timed over every patch of the timed cells (after one warm-up
 * patch), scaled to a cell's (cell side / patch side)² patches, since cells at an image's edge have fewer.
 */
async function mcSecondsPerCell(
  trained: TrainedModel,
  preset: TrainingPreset,
): Promise<{ s: number; runtime: string }> {
  const runner = await createMcRunner(trained.model, { seed: 1 });
  const size = preset.patchSize;
  const input = (p: { image: Float32Array }) => {
    const out = new Float32Array(size * size);
    normalizeInto(out, 0, p.image, trained.normalization);
    return out;
  };
  const run = (p: { image: Float32Array }) =>
    runner.run(input(p), { size, passes: preset.mcPasses, keepSamples: false, seed: 1 });
  try {
    await run(timedCells[0]?.[0] ?? (heldOut[0] as { image: Float32Array }));
    const t0 = performance.now();
    for (const cell of timedCells) for (const p of cell) await run(p);
    const perPatchS = (performance.now() - t0) / 1000 / timedCells.flat().length;
    return { s: perPatchS * (cellSide / size) ** 2, runtime: runner.runtime };
  } finally {
    await runner.dispose();
  }
}

interface Row {
  readonly size: string;
  readonly seed: number;
  readonly params: number;
  readonly gmacsPerCell: number;
  readonly epochs: number;
  readonly trainS: number;
  readonly mcS: number;
  readonly runtime: string;
  readonly valDice: number;
  readonly heldOutDice: number;
}
const rows: Row[] = [];
for (const { levels, baseFilters } of sizes) {
  const name = `${levels}×${baseFilters}`;
  const preset: TrainingPreset = { ...base, unet: { ...base.unet, levels, baseFilters } };
  const gmacsPerCell = unetMultiplyAdds(unetSpec(parseUnetConfig({ ...preset.unet, inputSize: cellSide }))) / 1e9;
  const calibration = await trainBaseModel({
    dataDir: values.data,
    preset,
    epochs: CALIBRATION_EPOCHS,
    seed: 1,
    exclude: holdout,
  });
  calibration.trained.model.dispose();
  const h = calibration.trained.history;
  const perEpochS = ((h.at(-1)?.elapsedMs ?? 0) - (h[0]?.elapsedMs ?? 0)) / (h.length - 1) / 1000;
  const epochs = Math.max(10, Math.min(maxEpochs, Math.floor(budgetS / perEpochS)));
  console.error(`${name}: ${perEpochS.toFixed(2)} s/epoch → ${epochs} epochs`);
  for (const seed of seeds) {
    const { trained } = await trainBaseModel({ dataDir: values.data, preset, epochs, seed, exclude: holdout });
    const mc = await mcSecondsPerCell(trained, preset);
    const row: Row = {
      size: name,
      seed,
      params: trained.model.countParams(),
      gmacsPerCell,
      epochs,
      trainS: trained.seconds,
      mcS: mc.s,
      runtime: mc.runtime,
      valDice: trained.bestValDice,
      heldOutDice: diceOn(trained, heldOut),
    };
    trained.model.dispose();
    loads.push(loadavg()[0] as number);
    console.error(
      `  seed ${seed}: ${row.trainS.toFixed(0)} s, val ${row.valDice.toFixed(3)}, held-out ${row.heldOutDice.toFixed(3)}, MC ${row.mcS.toFixed(2)} s/cell (${row.runtime})`,
    );
    rows.push(row);
  }
}

console.log(
  '| levels × base filters | seed | parameters | GMAC per 512² cell | epochs | training s | MC s per full cell | validation Dice | held-out Dice |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.size} | ${r.seed} | ${r.params.toLocaleString('en')} | ${r.gmacsPerCell.toFixed(2)} | ${r.epochs} | ${r.trainS.toFixed(0)} | ${r.mcS.toFixed(2)} | ${r.valDice.toFixed(3)} | ${r.heldOutDice.toFixed(3)} |`,
  );
}
console.log(
  `\nheld out: ${holdout.join(', ')} (${heldOut.length} patches of ${base.patchSize}² at scale ${base.scale}); MC: ${base.mcPasses} passes, timed over ${timedCells.flat().length} patches of ${timedCells.length} cells, per full cell of ${(cellSide / base.patchSize) ** 2} patches, on ${rows[0]?.runtime}; budget ${budgetS} s per model; ${((Date.now() - started) / 60000).toFixed(1)} min on ${cpus().length} cores, load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
);
