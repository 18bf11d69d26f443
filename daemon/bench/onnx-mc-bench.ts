/**
 * Monte-Carlo dropout throughput on onnxruntime-node: exports the paper's U-Net (random weights, trained-looking
 * BatchNorm statistics), then times `passes` stochastic passes of one patch in batches and reports ms per pass and
 * effective GFLOP/s (2 × conv multiply-adds / time).
 *
 *   npx tsx daemon/bench/onnx-mc-bench.ts                  # paper model (base 32, 512², 5 levels) and base 8, 128²
 *   npx tsx daemon/bench/onnx-mc-bench.ts --size 256 --base 16 --levels 4 --passes 20 --batch 10
 */
import '@tensorflow/tfjs-backend-cpu';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { createUnet } from '../src/model/unet.js';
import { parseUnetConfig } from '../src/model/unet-config.js';
import { exportOnnx } from '../src/onnx/export-onnx.js';
import { createOnnxMcEngine } from '../src/onnx/onnx-mc-engine.js';
import { randomizeNormalization } from '../src/onnx/reference-unet.js';

interface BenchCase {
  size: number;
  base: number;
  levels: number;
  passes: number;
  batch: number;
}

/** Conv and transposed-conv multiply-adds of one forward pass of one patch, from the static layer shapes. */
function convMultiplyAdds(model: LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className !== 'Conv2D' && className !== 'Conv2DTranspose') continue;
    const node = layer.inboundNodes[0];
    const inShape = node?.inputTensors[0]?.shape;
    const outShape = node?.outputTensors[0]?.shape;
    if (inShape === undefined || outShape === undefined) throw new Error(`${layer.name}: not connected`);
    const kernel = layer.getWeights()[0]?.shape;
    if (kernel === undefined) throw new Error(`${layer.name}: no kernel`);
    const [kH, kW] = kernel as [number, number];
    if (className === 'Conv2D') {
      // Every output value sums kH·kW·Cin products.
      total += (outShape[1] ?? 0) * (outShape[2] ?? 0) * (outShape[3] ?? 0) * kH * kW * (inShape[3] ?? 0);
    } else {
      // Every input value scatters into kH·kW·Cout outputs.
      total += (inShape[1] ?? 0) * (inShape[2] ?? 0) * (inShape[3] ?? 0) * kH * kW * (outShape[3] ?? 0);
    }
  }
  return total;
}

async function timeCase(c: BenchCase): Promise<void> {
  const model = createUnet(parseUnetConfig({ inputSize: c.size, levels: c.levels, baseFilters: c.base, initSeed: 1 }));
  randomizeNormalization(model);
  const flopsPerPass = 2 * convMultiplyAdds(model);
  let started = performance.now();
  const stochastic = exportOnnx(model);
  const deterministic = exportOnnx(model, { mcDropout: false });
  const exportMs = performance.now() - started;
  model.dispose();

  const patch = new Float32Array(c.size * c.size);
  for (let i = 0; i < patch.length; i++) patch[i] = Math.random();
  const label = `base ${c.base}, ${c.size}², ${c.levels} levels`;
  console.log(
    `\n${label}: ${(flopsPerPass / 1e9).toFixed(2)} GFLOP/pass, model ${(stochastic.byteLength / 1e6).toFixed(1)} MB, export ${exportMs.toFixed(0)} ms, threads ${availableParallelism()}`,
  );

  for (const [name, bytes] of [
    ['mc dropout', stochastic],
    ['no dropout', deterministic],
  ] as const) {
    started = performance.now();
    const engine = await createOnnxMcEngine({ model: bytes });
    const sessionMs = performance.now() - started;
    // Warm-up: the first run allocates the arena and picks kernels.
    await engine.mcPredict(patch, c.size, { passes: c.batch, batchSize: c.batch });
    started = performance.now();
    const cpuBefore = process.cpuUsage();
    // The deterministic graph is only the reference for the dropout overhead: one batch of it is enough.
    const passes = name === 'mc dropout' ? c.passes : c.batch;
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
    console.log(
      `  ${name}: ${passes} passes in batches of ${c.batch}: ${ms.toFixed(0)} ms, ${msPerPass.toFixed(1)} ms/pass, ${gflops.toFixed(1)} GFLOP/s wall; ${cpuSeconds.toFixed(1)} CPU-s (${((cpuSeconds * 1000) / ms).toFixed(2)} cores busy, ${perCore.toFixed(1)} GFLOP per CPU-s; system ${(cpu.system / 1e6).toFixed(1)} s) (session ${sessionMs.toFixed(0)} ms, mean std ${meanStd.toFixed(4)})`,
    );
  }
}

const { values } = parseArgs({
  options: {
    size: { type: 'string' },
    base: { type: 'string' },
    levels: { type: 'string' },
    passes: { type: 'string' },
    batch: { type: 'string' },
  },
});

await tf.setBackend('cpu');
const custom = values.size !== undefined || values.base !== undefined || values.levels !== undefined;
const cases: BenchCase[] = custom
  ? [
      {
        size: Number(values.size ?? 512),
        base: Number(values.base ?? 32),
        levels: Number(values.levels ?? 5),
        passes: Number(values.passes ?? 50),
        batch: Number(values.batch ?? 10),
      },
    ]
  : [
      { size: 512, base: 32, levels: 5, passes: Number(values.passes ?? 50), batch: Number(values.batch ?? 10) },
      { size: 128, base: 8, levels: 5, passes: Number(values.passes ?? 50), batch: Number(values.batch ?? 10) },
    ];
for (const c of cases) await timeCase(c);
