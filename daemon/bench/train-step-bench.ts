/**
 * Forward and train-step timing of the U-Net on the tfjs CPU backends.
 *
 *   npx tsx daemon/bench/train-step-bench.ts            # base 8, 128², batch 5: wasm (fwd+train), cpu (fwd)
 *   npx tsx daemon/bench/train-step-bench.ts --paper    # also the paper's model (base 32, 512²), one step, batch 1
 *   npx tsx daemon/bench/train-step-bench.ts --profile  # per-kernel time of one wasm train step
 *
 * Reference (same model, same machine, 2 cores): PyTorch CPU 30 ms/img forward, 77 ms/img train step.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { selectBackend } from '../src/model/backend.js';
import { withMcDropoutSettings } from '../src/model/layers/mc-dropout.js';
import { createUnet } from '../src/model/unet.js';
import { parseUnetConfig, type UnetConfigInput } from '../src/model/unet-config.js';
import { unetMultiplyAdds, unetSpec } from '../src/model/unet-spec.js';
import { startKernelTimer } from './kernel-timer.js';

interface Case {
  label: string;
  config: UnetConfigInput;
  batch: number;
  forwardReps: number;
  trainReps: number;
}

const args = new Set(process.argv.slice(2));

function bceLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  const eps = 1e-7;
  const p = tf.clipByValue(yPred, eps, 1 - eps);
  return tf.neg(tf.mean(tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p)))))) as tf.Scalar;
}

function makeBatch(batch: number, size: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const x = tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
  const y = tf.tidy(() =>
    tf.cast(tf.greater(tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', 8), 0.7), 'float32'),
  ) as tf.Tensor4D;
  return { x, y };
}

function timeForward(model: LayersModel, x: tf.Tensor, reps: number): number {
  const times: number[] = [];
  for (let i = 0; i < reps + 1; i++) {
    const t0 = performance.now();
    // Deterministic prediction (MC dropout off), comparable to PyTorch's eval-mode forward.
    withMcDropoutSettings({ enabled: false }, () =>
      tf.tidy(() => (model.apply(x, { training: false }) as tf.Tensor).dataSync()),
    );
    if (i > 0) times.push(performance.now() - t0); // first run pays operator creation / packing
  }
  return median(times);
}

function trainStep(model: LayersModel, optimizer: tf.Optimizer, x: tf.Tensor, y: tf.Tensor): number {
  const loss = optimizer.minimize(() => bceLoss(y, model.apply(x, { training: true }) as tf.Tensor), true);
  const value = loss?.dataSync()[0] ?? Number.NaN;
  loss?.dispose();
  return value;
}

function timeTrain(model: LayersModel, x: tf.Tensor, y: tf.Tensor, reps: number): { ms: number; losses: number[] } {
  const optimizer = tf.train.adam(1e-3);
  const times: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i < reps + 1; i++) {
    const t0 = performance.now();
    losses.push(trainStep(model, optimizer, x, y));
    if (i > 0) times.push(performance.now() - t0);
  }
  optimizer.dispose();
  return { ms: median(times), losses };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '—');

async function main(): Promise<void> {
  const selection = await selectBackend({ prefer: 'wasm', purpose: 'train' });
  console.log(`backend selection: ${selection.name}`);
  for (const r of selection.reasons) console.log(`  ${r.backend.padEnd(14)} ${r.available ? 'yes' : 'no '}  ${r.why}`);

  const cases: Case[] = [
    {
      label: 'U-Net b8 128² ×5',
      config: { baseFilters: 8, inputSize: 128, levels: 5, dropoutRate: 0.2 },
      batch: 5,
      forwardReps: 5,
      trainReps: 5,
    },
  ];
  if (args.has('--paper')) {
    cases.push({
      label: 'U-Net b32 512² ×1',
      config: { baseFilters: 32, inputSize: 512, levels: 5, dropoutRate: 0.2 },
      batch: 1,
      forwardReps: 1,
      trainReps: 1,
    });
  }
  const rows: string[][] = [];
  for (const c of cases) {
    const config = parseUnetConfig({ ...c.config, initSeed: 1 });
    const gflop = (2 * unetMultiplyAdds(unetSpec(config))) / 1e9;
    await tf.setBackend('wasm');
    const model = createUnet(config);
    const { x, y } = makeBatch(c.batch, config.inputSize);
    const fwdWasm = timeForward(model, x, c.forwardReps) / c.batch;
    console.log(`${c.label}: wasm forward ${fmt(fwdWasm)} ms/img`);
    let trainWasm = Number.NaN;
    try {
      const train = timeTrain(model, x, y, c.trainReps);
      trainWasm = train.ms / c.batch;
      console.log(
        `${c.label}: wasm train ${fmt(trainWasm)} ms/img, losses ${train.losses.map((l) => l.toFixed(4)).join(' ')}`,
      );
    } catch (error) {
      // The wasm heap is capped at 4 GiB; the paper's model can exceed it while keeping activations for backprop.
      console.log(`${c.label}: wasm train step failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (args.has('--profile')) {
      const optimizer = tf.train.adam(1e-3);
      trainStep(model, optimizer, x, y);
      const stop = startKernelTimer('wasm');
      const t0 = performance.now();
      trainStep(model, optimizer, x, y);
      const total = performance.now() - t0;
      const times = stop();
      const kernelSum = times.reduce((s, t) => s + t.ms, 0);
      console.log(`\nper-kernel time, one wasm train step (${fmt(total)} ms wall, ${fmt(kernelSum)} ms in kernels):`);
      for (const t of times.slice(0, 20)) {
        console.log(
          `  ${t.name.padEnd(24)} ${String(t.calls).padStart(5)} calls ${fmt(t.ms).padStart(8)} ms ${((100 * t.ms) / total).toFixed(1).padStart(5)}%`,
        );
      }
      optimizer.dispose();
    }
    x.dispose();
    y.dispose();
    model.dispose();

    let fwdCpu = Number.NaN;
    if (!args.has('--no-cpu') && config.inputSize <= 128) {
      await tf.setBackend('cpu');
      const cpuModel = createUnet(config);
      const cpuBatch = makeBatch(c.batch, config.inputSize);
      fwdCpu = timeForward(cpuModel, cpuBatch.x, 1) / c.batch;
      cpuBatch.x.dispose();
      cpuBatch.y.dispose();
      cpuModel.dispose();
    }
    rows.push([c.label, fmt(fwdWasm), fmt(trainWasm), fmt(fwdCpu), ((gflop * 3 * 1000) / trainWasm).toFixed(1)]);
  }
  console.log('\n| model | wasm fwd ms/img | wasm train ms/img | cpu fwd ms/img | wasm train GFLOP/s (≈3× fwd) |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log('PyTorch CPU reference (b8 128²): 30 ms/img forward, 77 ms/img train step.');
}

await main();
