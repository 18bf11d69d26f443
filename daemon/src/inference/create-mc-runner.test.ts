import { readdirSync, readFileSync } from 'node:fs';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUnet, parseUnetConfig } from '../model/index.js';
import { createMcRunner } from './create-mc-runner.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('createMcRunner', () => {
  const size = 128;
  const model = () => createUnet(parseUnetConfig({ inputSize: size, levels: 4, baseFilters: 8, initSeed: 3 }));
  const patch = Float32Array.from({ length: size * size }, (_, i) => Math.sin(i / 13));

  it('runs onnxruntime in a worker thread with the same seeded results as in the calling thread', async () => {
    const m = model();
    const inWorker = await createMcRunner(m, { seed: 5, batchSize: 5 });
    const inMain = await createMcRunner(m, { seed: 5, batchSize: 5, thread: 'main' });
    expect(inWorker.runtime).toBe('onnxruntime-cpu');
    const a = await inWorker.run(patch, { size, passes: 10, keepSamples: true, seed: 1 });
    const b = await inMain.run(patch, { size, passes: 10, keepSamples: true, seed: 1 });
    expect([...a.mean]).toEqual([...b.mean]);
    expect([...(a.probs ?? [])]).toEqual([...(b.probs ?? [])]);
    expect(Math.max(...a.std)).toBeGreaterThan(0);
    await Promise.all([inWorker.dispose(), inMain.dispose()]);
    m.dispose();
  });

  it('keeps the event loop turning while the passes run', async () => {
    const m = model();
    const runner = await createMcRunner(m, { seed: 1, batchSize: 10 });
    await runner.run(patch, { size, passes: 10, keepSamples: false, seed: 1 });
    let ticks = 0;
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks++;
    }, 5);
    const t0 = performance.now();
    for (let i = 0; i < 4; i++) await runner.run(patch, { size, passes: 40, keepSamples: false, seed: 1 });
    const elapsed = performance.now() - t0;
    clearInterval(timer);
    await runner.dispose();
    m.dispose();
    // The passes take hundreds of ms; a blocked loop would tick ~once per run.
    expect(elapsed).toBeGreaterThan(100);
    expect(ticks).toBeGreaterThan(elapsed / 50);
    expect(longestGap).toBeLessThan(elapsed / 2);
  });

  it('lowers the priority of the pass threads only, never of the event loop thread (workerNiceness)', async () => {
    // Linux keeps a nice value per thread: field 19 of /proc/self/task/<tid>/stat.
    const niceOf = (tid: string) =>
      Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    const niced = () => readdirSync('/proc/self/task').filter((tid) => niceOf(tid) === 7);
    expect(niced()).toEqual([]);
    const m = model();
    const runner = await createMcRunner(m, { seed: 1, batchSize: 5, intraOpThreads: 2, workerNiceness: 7 });
    await runner.run(patch, { size, passes: 5, keepSamples: false, seed: 1 });
    // The worker thread and onnxruntime's intra-op thread it started.
    expect(niced().length).toBeGreaterThanOrEqual(2);
    expect(niceOf(String(process.pid))).toBe(0);
    await runner.dispose();
    m.dispose();
  });
});
