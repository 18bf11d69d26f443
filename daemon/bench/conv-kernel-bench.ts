/**
 * Per-layer timing of the conv kernels on wasm for the U-Net's shapes, min of N runs (robust on a busy machine):
 * forward Conv2D (XNNPACK) vs our Conv2DBackpropFilter and Conv2DBackpropInput, which do the same FLOPs.
 *   npx tsx daemon/bench/conv-kernel-bench.ts [--size 128] [--base 8] [--batch 5]
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/model/backend.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const size = flag('--size', 128);
const base = flag('--base', 8);
const batch = flag('--batch', 5);
const reps = flag('--reps', 5);

function minTime(f: () => tf.Tensor): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reps + 1; i++) {
    const t0 = performance.now();
    const out = f();
    out.dataSync();
    const elapsed = performance.now() - t0;
    out.dispose();
    if (i > 0) best = Math.min(best, elapsed);
  }
  return best;
}

await selectBackend({ prefer: 'wasm', purpose: 'train' });
console.log('| layer | fwd ms | dW ms | dx ms | GFLOP/s fwd |');
console.log('|---|---|---|---|---|');
const totals = [0, 0, 0];
for (let level = 1; level <= 5; level++) {
  const h = size / 2 ** (level - 1);
  const c = base * 2 ** (level - 1);
  const shapes: [string, number, number][] = [[`L${level} ${h}² ${c}→${c}`, c, c]];
  if (level < 5) shapes.push([`L${level} ${h}² ${2 * c}→${c}`, 2 * c, c]);
  for (const [label, cin, cout] of shapes) {
    const x = tf.randomUniform([batch, h, h, cin]) as tf.Tensor4D;
    const w = tf.randomUniform([3, 3, cin, cout]) as tf.Tensor4D;
    const dy = tf.randomUniform([batch, h, h, cout]) as tf.Tensor4D;
    const fwd = minTime(() => tf.conv2d(x, w, 1, 'same'));
    const dW = minTime(
      () =>
        tf.engine().runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          {
            strides: 1,
            pad: 'same',
            dataFormat: 'NHWC',
            filterShape: [3, 3, cin, cout],
          },
        ) as tf.Tensor,
    );
    const dx = minTime(() => tf.conv2dTranspose(dy, w, [batch, h, h, cin], 1, 'same'));
    const gflops = (2 * batch * h * h * 9 * cin * cout) / fwd / 1e6;
    totals[0] = (totals[0] ?? 0) + fwd;
    totals[1] = (totals[1] ?? 0) + dW;
    totals[2] = (totals[2] ?? 0) + dx;
    console.log(`| ${label} | ${fwd.toFixed(1)} | ${dW.toFixed(1)} | ${dx.toFixed(1)} | ${gflops.toFixed(1)} |`);
    tf.dispose([x, w, dy]);
  }
}
console.log(`| total | ${totals.map((t) => t.toFixed(1)).join(' | ')} | |`);
