/**
 * Adaptive MC pass count on the demo slide: trains the tiny preset on the other demo images (wasm, ~1 min), then
 * ranks the 45 overlapping 512² patches (stride 128) of sub-rat8_sample-V915 by the paper's uncertainty score:
 *
 *   A  full 50 passes per patch (onnxruntime, batches of 10), every pass kept;
 *   R  adaptive replayed on A's own passes (prefixes of the same streams): isolates the stopping rule;
 *   L  adaptive live, fresh passes: the wall-time saving;
 *   B  a second full 50-pass run: how much the top-10 moves from MC noise alone.
 *
 *   npx tsx daemon/bench/bench-adaptive.ts [--epochs 60] [--k 10] [--z 3]
 *
 * Writes runs/bench/bench-adaptive.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getAcquisition } from '@activeseg/shared';
import sharp from 'sharp';
import { downscaleImage } from '../src/data/downscale.js';
import { adaptiveMcTopK } from '../src/inference/adaptive-mc.js';
import { selectBackend } from '../src/model/backend.js';
import { createUnet, restoreWeights, snapshotWeights } from '../src/model/index.js';
import { exportOnnx } from '../src/onnx/export-onnx.js';
import { createOnnxMcSession } from '../src/onnx/onnx-mc-session.js';
import { loadSimulationPatches } from '../src/simulate/load-simulation-patches.js';
import { PRESETS } from '../src/training/presets.js';
import { trainModel } from '../src/training/train-model.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const DATA = path.join(repoRoot, 'demo/axondeepseg-sem');
const SLIDE_ID = 'sub-rat8_sample-V915';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: String(PRESETS.tiny.epochs) },
    k: { type: 'string', default: '10' },
    z: { type: 'string', default: '3' },
  },
});
const k = Number(values.k);
const z = Number(values.z);
const PASSES = 50;
const preset = PRESETS.tiny;

const selection = await selectBackend({ prefer: 'wasm', purpose: 'train' });
console.log(`training backend: ${selection.name}`);
const { patches } = await loadSimulationPatches({ dir: DATA, patchSize: preset.patchSize, scale: preset.scale });
const usable = patches.filter((p) => p.sourceId !== SLIDE_ID);
const val = usable.filter((_, i) => i % 10 === 0);
const train = usable.filter((_, i) => i % 10 !== 0);
let t0 = performance.now();
const trained = await trainModel({
  train,
  val,
  unet: preset.unet,
  epochs: Number(values.epochs),
  batchSize: preset.batchSize,
  stepsPerEpoch: preset.stepsPerEpoch,
  learningRate: preset.learningRate,
  seed: 1,
});
const trainS = (performance.now() - t0) / 1000;
console.log(
  `trained tiny preset on ${train.length} patches (${val.length} val) for ${values.epochs} epochs in ${trainS.toFixed(0)} s: best val Dice ${trained.bestValDice.toFixed(3)} at epoch ${trained.bestEpoch}`,
);

// Inference copy at the slide patch size after the preset's downscale, as the daemon's engine makes it.
const inner = 512 * preset.scale;
const inferModel = createUnet({ ...trained.config, inputSize: inner, initSeed: 1 });
restoreWeights(inferModel, snapshotWeights(trained.model));
const engine = await createOnnxMcSession({ model: exportOnnx(inferModel, { mcDropout: true }) });
inferModel.dispose();

const { data, info } = await sharp(path.join(DATA, 'images', `${SLIDE_ID}.png`))
  .greyscale()
  .raw()
  .toBuffer({ resolveWithObject: true });
const inputs: { left: number; top: number; x: Float32Array }[] = [];
const { mean: nMean, std: nStd } = trained.normalization;
for (let top = 0; top + 512 <= info.height; top += 128) {
  for (let left = 0; left + 512 <= info.width; left += 128) {
    const raw = new Float32Array(512 * 512);
    for (let y = 0; y < 512; y++)
      for (let x = 0; x < 512; x++) raw[y * 512 + x] = data[(top + y) * info.width + left + x] ?? 0;
    const small = downscaleImage({ width: 512, height: 512, data: raw }, preset.scale).data;
    inputs.push({ left, top, x: Float32Array.from(small, (v) => (v - nMean) / nStd) });
  }
}
console.log(`${inputs.length} patches of 512² (stride 128) → ${inner}² model input; top-${k}, z = ${z}`);

const uncertainty = getAcquisition('uncertainty');
async function fullRun(): Promise<{ scores: number[]; probs: Float32Array[]; seconds: number }> {
  const start = performance.now();
  const scores: number[] = [];
  const probs: Float32Array[] = [];
  for (const p of inputs) {
    const r = await engine.mcPredict(p.x, inner, { passes: PASSES, batchSize: 10, keepProbs: true });
    scores.push(uncertainty.score({ width: inner, height: inner, passes: PASSES, mean: r.mean, std: r.std }));
    probs.push(r.probs as Float32Array);
  }
  return { scores, probs, seconds: (performance.now() - start) / 1000 };
}
const topOf = (scores: number[]) =>
  scores
    .map((_, i) => i)
    .sort((a, b) => (scores[b] as number) - (scores[a] as number))
    .slice(0, k);
const overlap = (a: number[], b: number[]) => a.filter((i) => b.includes(i)).length;
const px = inner * inner;

await engine.mcPredict(inputs[0]?.x as Float32Array, inner, { passes: 10, batchSize: 10 }); // warm-up
const runA = await fullRun();
const topA = topOf(runA.scores);
console.log(`A full ${PASSES}: ${runA.seconds.toFixed(1)} s, top-${k} ${topA.join(' ')}`);

const used = new Array<number>(inputs.length).fill(0);
const replay = await adaptiveMcTopK({
  count: inputs.length,
  width: inner,
  height: inner,
  k,
  z,
  sample: async (i, n) => {
    const from = (used[i] as number) * px;
    used[i] = (used[i] as number) + n;
    return (runA.probs[i] as Float32Array).subarray(from, from + n * px);
  },
});
console.log(
  `R adaptive replay: mean ${replay.meanPasses.toFixed(1)} passes/patch, ${replay.rounds} rounds, top-${k} overlap with A ${overlap(replay.topK, topA)}/${k}`,
);
runA.probs.length = 0; // free ~590 MB before the live runs

t0 = performance.now();
const live = await adaptiveMcTopK({
  count: inputs.length,
  width: inner,
  height: inner,
  k,
  z,
  sample: async (i, n) =>
    (await engine.mcPredict(inputs[i]?.x as Float32Array, inner, { passes: n, batchSize: 10, keepProbs: true }))
      .probs as Float32Array,
});
const liveS = (performance.now() - t0) / 1000;
console.log(
  `L adaptive live: ${liveS.toFixed(1)} s, mean ${live.meanPasses.toFixed(1)} passes/patch, top-${k} overlap with A ${overlap(live.topK, topA)}/${k}`,
);

const runB = await fullRun();
runB.probs.length = 0;
const topB = topOf(runB.scores);
console.log(
  `B full ${PASSES} again: ${runB.seconds.toFixed(1)} s, top-${k} overlap with A ${overlap(topB, topA)}/${k}`,
);
await engine.dispose();

const sortedA = [...runA.scores].sort((a, b) => b - a);
const report = {
  date: new Date().toISOString(),
  model: `tiny preset trained ${values.epochs} epochs on the other demo images (val Dice ${trained.bestValDice.toFixed(3)}), ${inner}² inference copy, onnxruntime`,
  trainSeconds: trainS,
  patches: inputs.length,
  k,
  z,
  roundPasses: 10,
  maxPasses: PASSES,
  boundaryGapA: { kth: sortedA[k - 1], next: sortedA[k] },
  full: { seconds: runA.seconds, passes: inputs.length * PASSES, topK: topA, scores: runA.scores },
  replay: {
    meanPasses: replay.meanPasses,
    totalPasses: replay.totalPasses,
    rounds: replay.rounds,
    topK: replay.topK,
    overlapWithFull: overlap(replay.topK, topA),
    passesPerPatch: replay.estimates.map((e) => e.passes),
  },
  live: {
    seconds: liveS,
    meanPasses: live.meanPasses,
    totalPasses: live.totalPasses,
    rounds: live.rounds,
    topK: live.topK,
    overlapWithFull: overlap(live.topK, topA),
  },
  fullAgain: { seconds: runB.seconds, topK: topB, overlapWithFull: overlap(topB, topA) },
};
mkdirSync(path.join(repoRoot, 'runs/bench'), { recursive: true });
writeFileSync(path.join(repoRoot, 'runs/bench/bench-adaptive.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log('wrote runs/bench/bench-adaptive.json');
process.exit(0);
