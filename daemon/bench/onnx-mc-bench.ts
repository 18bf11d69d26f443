/**
 * Monte-Carlo dropout throughput on onnxruntime-node: exports the paper's U-Net (random weights, trained-looking
 * BatchNorm statistics), then times `passes` stochastic passes of one patch in batches and reports ms per pass and
 * effective GFLOP/s (2 × conv multiply-adds / time).
 *
 *   npx tsx daemon/bench/onnx-mc-bench.ts                  # paper model (base 32, 512², 5 levels) and base 8, 128²
 *   npx tsx daemon/bench/onnx-mc-bench.ts --size 256 --base 16 --levels 4 --passes 20 --batch 10
 *   npx tsx daemon/bench/onnx-mc-bench.ts --variants inputs   # only the default export (engine-drawn masks)
 *   npx tsx daemon/bench/onnx-mc-bench.ts --size 512 --passes 4 --batch 2 --profile   # + onnxruntime's per-op times
 *
 * Variants: 'inputs' = dropout masks drawn by the engine and fed as graph inputs (the default export), 'shared' = the
 * same with the layers before the first dropout run once per patch (`sharedPrefix`, what the daemon runs), 'graph' = masks
 * drawn in-graph by RandomUniformLike, 'none' = no dropout (one batch, the reference for the dropout overhead). Peak
 * RSS is the process' high-water mark so far, so run one variant per process to attribute it. `--profile` writes
 * onnxruntime's profile to runs/bench/onnx-mc-profile-* and prints kernel time per op type and pass (timed runs only);
 * "outside onnxruntime" is the rest of the wall time: drawing the masks and summarizing the passes.
 */
import '@tensorflow/tfjs-backend-cpu';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { createUnet } from '../src/model/unet.js';
import { parseUnetConfig } from '../src/model/unet-config.js';
import { unetMultiplyAdds, unetSpec } from '../src/model/unet-spec.js';
import { exportOnnx } from '../src/onnx/export-onnx.js';
import { createOnnxMcSession } from '../src/onnx/onnx-mc-session.js';
import { randomizeNormalization } from '../src/onnx/randomize-normalization.js';

type Variant = 'inputs' | 'fixed' | 'shared' | 'graph' | 'none';

interface BenchCase {
  size: number;
  base: number;
  levels: number;
  passes: number;
  batch: number;
  variants: Variant[];
  profile: boolean;
}

const PROFILE_DIR = 'runs/bench';

interface ProfileEvent {
  cat?: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string };
}

/** Kernel time per op type and pass over the session runs after the first (the warm-up), from a profile file. */
function summarizeProfile(prefix: string, timedPasses: number, wallMsPerPass: number): void {
  const base = prefix.split('/').at(-1) ?? prefix;
  const file = readdirSync(PROFILE_DIR)
    .filter((name) => name.startsWith(`${base}_`) && name.endsWith('.json'))
    .sort()
    .at(-1);
  if (file === undefined) throw new Error(`no profile file for ${prefix}`);
  const events = JSON.parse(readFileSync(join(PROFILE_DIR, file), 'utf8')) as ProfileEvent[];
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').slice(1);
  const byOp = new Map<string, number>();
  let runMicros = 0;
  for (const run of runs) {
    runMicros += run.dur;
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < run.ts || e.ts > run.ts + run.dur) continue;
      const op = e.args?.op_name ?? '?';
      byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    }
  }
  const runMs = runMicros / 1000 / timedPasses;
  console.log(
    `    profile ${file}: onnxruntime ${runMs.toFixed(1)} ms/pass, outside onnxruntime ${(wallMsPerPass - runMs).toFixed(1)} ms/pass`,
  );
  for (const [op, micros] of [...byOp].sort((a, b) => b[1] - a[1])) {
    const ms = micros / 1000 / timedPasses;
    console.log(
      `      ${op.padEnd(18)} ${ms.toFixed(1).padStart(7)} ms/pass ${((100 * ms) / wallMsPerPass).toFixed(1).padStart(5)} % of wall`,
    );
  }
}

async function timeCase(c: BenchCase): Promise<void> {
  const config = parseUnetConfig({ inputSize: c.size, levels: c.levels, baseFilters: c.base, initSeed: 1 });
  const model = createUnet(config);
  randomizeNormalization(model);
  const flopsPerPass = 2 * unetMultiplyAdds(unetSpec(config));
  let started = performance.now();
  const exports: Record<Variant, Uint8Array> = {
    inputs: exportOnnx(model),
    fixed: exportOnnx(model, { batch: c.batch }),
    shared: exportOnnx(model, { sharedPrefix: true }),
    graph: exportOnnx(model, { dropoutMasks: 'graph' }),
    none: exportOnnx(model, { mcDropout: false }),
  };
  const exportMs = (performance.now() - started) / 4;
  model.dispose();

  const patch = new Float32Array(c.size * c.size);
  for (let i = 0; i < patch.length; i++) patch[i] = Math.random();
  const label = `base ${c.base}, ${c.size}², ${c.levels} levels`;
  console.log(
    `\n${label}: ${(flopsPerPass / 1e9).toFixed(2)} GFLOP/pass, model ${(exports.inputs.byteLength / 1e6).toFixed(1)} MB, export ${exportMs.toFixed(0)} ms, threads ${availableParallelism()}`,
  );

  for (const variant of c.variants) {
    const bytes = exports[variant];
    const name = {
      inputs: 'mc dropout, engine masks',
      fixed: 'mc dropout, engine masks, fixed batch',
      shared: 'mc dropout, engine masks, first level once per patch',
      graph: 'mc dropout, in-graph masks',
      none: 'no dropout',
    }[variant];
    const loadBefore = loadavg()[0]!;
    started = performance.now();
    const profileFilePrefix = c.profile ? join(PROFILE_DIR, `onnx-mc-profile-${variant}-${c.size}`) : undefined;
    if (profileFilePrefix !== undefined) mkdirSync(PROFILE_DIR, { recursive: true });
    const engine = await createOnnxMcSession({ model: bytes, ...(profileFilePrefix ? { profileFilePrefix } : {}) });
    const sessionMs = performance.now() - started;
    // Warm-up: the first run allocates the arena and picks kernels.
    await engine.mcPredict(patch, c.size, { passes: c.batch, batchSize: c.batch });
    started = performance.now();
    const cpuBefore = process.cpuUsage();
    const passes = c.passes;
    const result = await engine.mcPredict(patch, c.size, { passes, batchSize: c.batch });
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    // CPU seconds this process got: on a shared machine wall time alone mostly measures the neighbours.
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    await engine.dispose();
    const msPerPass = ms / passes;
    const gflops = (flopsPerPass * passes) / (ms / 1000) / 1e9;
    let meanStd = 0;
    for (const s of result.std) meanStd += s;
    meanStd /= result.std.length;
    const perCore = (flopsPerPass * passes) / cpuSeconds / 1e9;
    const peakMb = process.resourceUsage().maxRSS / 1024;
    console.log(
      `  ${name}: ${passes} passes in batches of ${result.batchSize}: ${ms.toFixed(0)} ms, ${msPerPass.toFixed(1)} ms/pass, ${gflops.toFixed(1)} GFLOP/s wall; ${cpuSeconds.toFixed(1)} CPU-s (${((cpuSeconds * 1000) / ms).toFixed(2)} cores busy, ${perCore.toFixed(1)} GFLOP per CPU-s; system ${(cpu.system / 1e6).toFixed(1)} s) (session ${sessionMs.toFixed(0)} ms, masks ${engine.dropoutMasks}, mean std ${meanStd.toFixed(4)}, peak RSS ${peakMb.toFixed(0)} MB, load ${loadBefore.toFixed(2)} → ${loadavg()[0]!.toFixed(2)})`,
    );
    if (profileFilePrefix !== undefined) summarizeProfile(profileFilePrefix, passes, msPerPass);
  }
}

const { values } = parseArgs({
  options: {
    size: { type: 'string' },
    base: { type: 'string' },
    levels: { type: 'string' },
    passes: { type: 'string' },
    batch: { type: 'string' },
    variants: { type: 'string' },
    profile: { type: 'boolean' },
  },
});

await tf.setBackend('cpu');
const variants = (values.variants ?? 'inputs,shared,graph,none').split(',') as Variant[];
for (const variant of variants) {
  if (variant !== 'inputs' && variant !== 'fixed' && variant !== 'shared' && variant !== 'graph' && variant !== 'none')
    throw new Error(`unknown variant '${variant}'`);
}
const custom = values.size !== undefined || values.base !== undefined || values.levels !== undefined;
const cases: BenchCase[] = custom
  ? [
      {
        size: Number(values.size ?? 512),
        base: Number(values.base ?? 32),
        levels: Number(values.levels ?? 5),
        passes: Number(values.passes ?? 50),
        batch: Number(values.batch ?? 10),
        variants,
        profile: values.profile ?? false,
      },
    ]
  : [512, 128].map((size) => ({
      size,
      base: size === 512 ? 32 : 8,
      levels: 5,
      passes: Number(values.passes ?? 50),
      batch: Number(values.batch ?? 10),
      variants,
      profile: values.profile ?? false,
    }));
for (const c of cases) await timeCase(c);
