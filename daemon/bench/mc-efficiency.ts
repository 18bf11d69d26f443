/**
 * `mc efficiency`: effective GFLOP/s of the daemon's Monte-Carlo passes against the machine's fp32 peak.
 *
 * FLOPs of a pass = 2 × unetMultiplyAdds of the network the daemon runs (tiny preset: 512² cells box-downscaled to
 * 256², 3 levels, base 8). The passes run as the daemon runs them: the shipped base model on its MC runner (worker
 * thread, the daemon's default tuning), the preset's pass count per cell, on patches of the EM-texture slide.
 *
 * Peak, two ways: `peak_gflops` = cores × clock × fp32 lanes × FMA pipes × 2 (FLOPs per FMA), from /proc/cpuinfo
 * (cores, `cpu MHz`, lanes from the widest of avx512f / avx2 / sse) and 2 FMA pipes per core, which cpuinfo cannot
 * say (true of Zen 4/5 and Intel server cores; stated in the line so a reader can redo it); and `gemm_gflops`, a
 * measured 1024³ MatMul on onnxruntime with every core, the most this runtime reaches here.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import * as ort from 'onnxruntime-node';
import { DEMO_BASE_MODEL_DIR } from '../src/cli/base-model.js';
import { createMcRunner, type McRunnerTuning } from '../src/inference/create-mc-runner.js';
import { selectBackend } from '../src/model/backend.js';
import { createUnet, loadBundle, restoreWeights, snapshotWeights } from '../src/model/index.js';
import { unetMultiplyAdds, unetSpec } from '../src/model/unet-spec.js';
import { OnnxGraphBuilder } from '../src/onnx/onnx-graph-builder.js';
import { loadSharpSlideSource } from '../src/slides/sharp-slide-source.js';
import { getPreset } from '../src/training/presets.js';

export interface Fp32Peak {
  gflops: number;
  cores: number;
  mhz: number;
  lanes: number;
  fmaPipes: number;
  formula: string;
}

export function fp32Peak(cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')): Fp32Peak {
  const field = (name: string) =>
    cpuinfo
      .split('\n')
      .find((l) => l.startsWith(name))
      ?.split(':')[1]
      ?.trim() ?? '';
  const flags = new Set(field('flags').split(/\s+/));
  const cores = cpuinfo.split('\n').filter((l) => l.startsWith('processor')).length || availableParallelism();
  const mhz = Number(field('cpu MHz')) || 0;
  const lanes = flags.has('avx512f') ? 16 : flags.has('avx2') ? 8 : 4;
  const fmaPipes = flags.has('fma') ? 2 : 1;
  const gflops = (cores * mhz * lanes * fmaPipes * 2) / 1000;
  return {
    gflops,
    cores,
    mhz,
    lanes,
    fmaPipes,
    formula: `${cores}cores*${mhz}MHz*${lanes}lanes*${fmaPipes}fma*2`,
  };
}

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

export interface McEfficiency {
  gflops: number;
  msPerCell: number;
  passes: number;
  gflopPerPass: number;
  cells: number;
  peak: Fp32Peak;
  gemmGflops: number;
  load: number;
}

/** Times `cells` cells of MC passes (after one warm-up) on the daemon's runner; median ms per cell. */
export async function measureMcEfficiency(o: {
  slideFile: string;
  cells: number;
  mcRunner?: McRunnerTuning;
}): Promise<McEfficiency> {
  await selectBackend({ purpose: 'train' });
  const preset = getPreset('tiny');
  const bundle = await loadBundle(DEMO_BASE_MODEL_DIR);
  const inner = Math.round(512 * preset.scale);
  const config = { ...bundle.config, inputSize: inner };
  const model = createUnet({ ...config, initSeed: 1 });
  restoreWeights(model, snapshotWeights(bundle.model));
  // Normal priority here (the daemon lowers it beside its server): the figure is the engine's, not the neighbours'.
  const runner = await createMcRunner(model, { serving: true, workerNiceness: 0, ...o.mcRunner });
  model.dispose();
  bundle.model.dispose();
  const source = await loadSharpSlideSource(o.slideFile, { limitInputPixels: false });
  const { downscaleImage } = await import('../src/data/downscale.js');
  const patches: Float32Array[] = [];
  const cols = Math.floor(source.width / 512);
  for (let i = 0; i <= o.cells; i++) {
    const px = await source.readRegion({
      level: 0,
      x: (i % cols) * 512,
      y: Math.floor(i / cols) * 512,
      width: 512,
      height: 512,
    });
    const small = downscaleImage({ width: 512, height: 512, data: Float32Array.from(px) }, preset.scale).data;
    const inv = 1 / bundle.normalization.std;
    patches.push(small.map((v) => (v - bundle.normalization.mean) * inv));
  }
  const passes = preset.mcPasses;
  const load = Number(loadavg()[0]!.toFixed(2));
  const times: number[] = [];
  for (let i = 0; i < patches.length; i++) {
    const t0 = performance.now();
    await runner.run(patches[i]!, { size: inner, passes, keepSamples: false, seed: i + 1 });
    if (i > 0) times.push(performance.now() - t0);
  }
  await runner.dispose();
  const msPerCell = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  const gflopPerPass = (2 * unetMultiplyAdds(unetSpec(config))) / 1e9;
  const peak = fp32Peak();
  return {
    gflops: (passes * gflopPerPass) / (msPerCell / 1000),
    msPerCell,
    passes,
    gflopPerPass,
    cells: times.length,
    peak,
    gemmGflops: await gemmGflops(),
    load,
  };
}

export function mcEfficiencyLine(e: McEfficiency): string {
  const pct = (v: number) => ((100 * v) / e.peak.gflops).toFixed(1);
  return `mc efficiency gflops=${e.gflops.toFixed(1)} peak_gflops=${e.peak.gflops.toFixed(1)} pct_of_peak=${pct(e.gflops)} gemm_gflops=${e.gemmGflops.toFixed(1)} gemm_pct_of_peak=${pct(e.gemmGflops)} ms_per_cell=${e.msPerCell.toFixed(1)} passes=${e.passes} gflop_per_pass=${e.gflopPerPass.toFixed(3)} cells=${e.cells} peak_formula=${e.peak.formula} load=${e.load} goal_pct=60`;
}
