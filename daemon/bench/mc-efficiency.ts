/**
 * `mc efficiency`: effective GFLOP/s of the daemon's Monte-Carlo passes against the machine's fp32 peak.
 *
 * FLOPs of a pass = 2 × unetMultiplyAdds of the network the daemon runs (tiny preset: 512² cells box-downscaled to
 * 256², 3 levels, base 8). The passes run as the daemon runs them: the shipped base model on its MC runner (worker
 * thread, the daemon's default tuning), the preset's pass count per cell, on patches of the EM-texture slide.
 *
 * The paper's network (tem preset, 50 passes, 512² cells) is timed the same way when asked: the default tiny net's
 * 8–32-channel convs fill at most half of a 16-lane vector and do little work per call, so its figure says what the
 * default costs and the paper's says what the engine reaches on the widths the method uses.
 *
 * "Effective": a pass counts as the whole network, although the runner computes the layers before the first dropout
 * once per call (exportOnnx `sharedPrefix`: 11 % of a tiny pass, 5 % of a paper pass).
 *
 * Peak (fp32-peak.ts): `peak_gflops` = cores × measured clock × fp32 lanes × 2 FMA pipes × 2; `fma_gflops`, vector
 * FMAs measured on every core (where a C compiler is installed); `gemm_gflops`, a measured 1024³ MatMul on
 * onnxruntime with every core.
 */

import { availableParallelism, loadavg } from 'node:os';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { DEMO_BASE_MODEL_DIR } from '../src/cli/base-model.js';
import { createMcRunner, type McRunnerTuning } from '../src/inference/create-mc-runner.js';
import { selectBackend } from '../src/model/backend.js';
import { createUnet, loadBundle, restoreWeights, snapshotWeights } from '../src/model/index.js';
import { parseUnetConfig, type UnetConfig } from '../src/model/unet-config.js';
import { unetMultiplyAdds, unetSpec } from '../src/model/unet-spec.js';
import { OnnxGraphBuilder } from '../src/onnx/onnx-graph-builder.js';
import { loadSharpSlideSource } from '../src/slides/sharp-slide-source.js';
import { getPreset, PRESETS } from '../src/training/presets.js';
import { type Fp32Peak, fmaPeakGflops, fp32Peak, measureClockMhz } from './fp32-peak.js';

/** GFLOP/s of an n³ MatMul on onnxruntime, best of `reps`, every core. */
export async function gemmGflops(n = 1024, reps = 8): Promise<number> {
  const g = new OnnxGraphBuilder();
  g.input('a', [n, n]);
  g.input('b', [n, n]);
  g.output('c', g.op('MatMul', ['a', 'b']), [n, n]);
  const session = await ort.InferenceSession.create(g.encode('gemm', 17), {
    intraOpNumThreads: availableParallelism(),
    interOpNumThreads: 1,
  });
  const a = new ort.Tensor(
    'float32',
    Float32Array.from({ length: n * n }, (_, i) => Math.sin(i)),
    [n, n],
  );
  const b = new ort.Tensor(
    'float32',
    Float32Array.from({ length: n * n }, (_, i) => Math.cos(i)),
    [n, n],
  );
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r <= reps; r++) {
    const t0 = performance.now();
    await session.run({ a, b });
    if (r > 0) best = Math.min(best, performance.now() - t0);
  }
  await session.release();
  return (2 * n ** 3) / (best / 1000) / 1e9;
}

export interface McTiming {
  /** Effective GFLOP/s: passes × the FLOPs of a whole pass ÷ median time per cell (module comment). */
  gflops: number;
  msPerCell: number;
  passes: number;
  gflopPerPass: number;
  cells: number;
}

export interface McEfficiency extends McTiming {
  /** The paper's network (tem preset: 512², 5 levels, base 32) on the same runner; absent when not measured. */
  paper?: McTiming;
  peak: Fp32Peak;
  /** Vector FMAs measured on every core (fma-peak.c); absent without a C compiler. */
  fmaGflops?: number;
  gemmGflops: number;
  load: number;
}

/**
 * Times MC passes of `model` on `patches` as the daemon runs them (its runner, worker thread, default tuning), one
 * cell after another; the first `warmup` cells only warm the session (arena growth, one per batch shape).
 */
async function timeCells(o: {
  model: LayersModel;
  /** The model's architecture: its input size and the FLOPs of a pass. */
  config: UnetConfig;
  patches: Float32Array[];
  passes: number;
  warmup: number;
  mcRunner: McRunnerTuning | undefined;
}): Promise<McTiming> {
  // Normal priority here (the daemon lowers it beside its server): the figure is the engine's, not the neighbours'.
  const runner = await createMcRunner(o.model, { serving: true, workerNiceness: 0, ...o.mcRunner });
  const times: number[] = [];
  try {
    for (let i = 0; i < o.patches.length; i++) {
      const t0 = performance.now();
      await runner.run(o.patches[i]!, { size: o.config.inputSize, passes: o.passes, keepSamples: false, seed: i + 1 });
      if (i >= o.warmup) times.push(performance.now() - t0);
    }
  } finally {
    await runner.dispose();
  }
  const msPerCell = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  const gflopPerPass = (2 * unetMultiplyAdds(unetSpec(o.config))) / 1e9;
  return {
    gflops: (o.passes * gflopPerPass) / (msPerCell / 1000),
    msPerCell,
    passes: o.passes,
    gflopPerPass,
    cells: times.length,
  };
}

/** `count` 512² cells of the slide, row by row from the top left, as raw grey values. */
async function slideCells(slideFile: string, count: number): Promise<Float32Array[]> {
  const source = await loadSharpSlideSource(slideFile, { limitInputPixels: false });
  const cols = Math.floor(source.width / 512);
  const cells: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const px = await source.readRegion({
      level: 0,
      x: (i % cols) * 512,
      y: Math.floor(i / cols) * 512,
      width: 512,
      height: 512,
    });
    cells.push(Float32Array.from(px));
  }
  return cells;
}

/**
 * The daemon's default network (the shipped base model, tiny preset) on `cells` cells after one warm-up; with
 * `paperCells`, also the paper's network (random seeded weights: the work does not depend on them) at its preset's
 * 50 passes on that many cells after two warm-ups (its batches of 7 and the last one of 1 each size the arena once).
 */
export async function measureMcEfficiency(o: {
  slideFile: string;
  cells: number;
  paperCells?: number;
  mcRunner?: McRunnerTuning;
}): Promise<McEfficiency> {
  await selectBackend({ purpose: 'train' });
  const preset = getPreset('tiny');
  const bundle = await loadBundle(DEMO_BASE_MODEL_DIR);
  const inner = Math.round(512 * preset.scale);
  const config = { ...bundle.config, inputSize: inner };
  const model = createUnet({ ...config, initSeed: 1 });
  restoreWeights(model, snapshotWeights(bundle.model));
  bundle.model.dispose();
  const raw = await slideCells(o.slideFile, Math.max(o.cells + 1, (o.paperCells ?? 0) + 2));
  const { downscaleImage } = await import('../src/data/downscale.js');
  const inv = 1 / bundle.normalization.std;
  const normalise = (v: Float32Array) => v.map((x) => (x - bundle.normalization.mean) * inv);
  const load = Number(loadavg()[0]!.toFixed(2));
  const tiny = await timeCells({
    model,
    config,
    patches: raw
      .slice(0, o.cells + 1)
      .map((px) => normalise(downscaleImage({ width: 512, height: 512, data: px }, preset.scale).data)),
    passes: preset.mcPasses,
    warmup: 1,
    mcRunner: o.mcRunner,
  });
  model.dispose();
  let paper: McTiming | undefined;
  if (o.paperCells) {
    const tem = PRESETS.tem;
    const paperConfig = parseUnetConfig({ ...tem.unet, initSeed: 1 });
    const paperModel = createUnet(paperConfig);
    try {
      paper = await timeCells({
        model: paperModel,
        config: paperConfig,
        patches: raw.slice(0, o.paperCells + 2).map(normalise),
        passes: tem.mcPasses,
        warmup: 2,
        mcRunner: o.mcRunner,
      });
    } finally {
      paperModel.dispose();
    }
  }
  const fmaGflops = fmaPeakGflops();
  return {
    ...tiny,
    ...(paper ? { paper } : {}),
    peak: fp32Peak({ mhz: measureClockMhz() }),
    ...(fmaGflops === undefined ? {} : { fmaGflops }),
    gemmGflops: await gemmGflops(),
    load,
  };
}

export function mcEfficiencyLine(e: McEfficiency): string {
  const pct = (v: number) => ((100 * v) / e.peak.gflops).toFixed(1);
  const paper = e.paper
    ? ` paper_gflops=${e.paper.gflops.toFixed(1)} paper_pct_of_peak=${pct(e.paper.gflops)} paper_ms_per_cell=${e.paper.msPerCell.toFixed(0)} paper_passes=${e.paper.passes} paper_gflop_per_pass=${e.paper.gflopPerPass.toFixed(2)} paper_cells=${e.paper.cells}`
    : '';
  const fma = e.fmaGflops === undefined ? 'na' : e.fmaGflops.toFixed(1);
  return `mc efficiency gflops=${e.gflops.toFixed(1)} peak_gflops=${e.peak.gflops.toFixed(1)} pct_of_peak=${pct(e.gflops)} ms_per_cell=${e.msPerCell.toFixed(1)} passes=${e.passes} gflop_per_pass=${e.gflopPerPass.toFixed(3)} cells=${e.cells}${paper} fma_gflops=${fma} gemm_gflops=${e.gemmGflops.toFixed(1)} gemm_pct_of_peak=${pct(e.gemmGflops)} peak_formula=${e.peak.formula} load=${e.load} goal_pct=60`;
}
