import { Worker } from 'node:worker_threads';
import type { TrainerCore, TrainerCoreOptions } from './trainer-core.js';
import type { TrainerReply, TrainerRequest } from './trainer-worker-messages.js';

type Pending = { resolve(reply: TrainerReply): void; reject(err: Error): void };

/**
 * The {@link TrainerCore} API on a worker thread. A crashed worker rejects every pending call instead of hanging it;
 * `dispose` terminates the thread (its onnxruntime sessions go with it).
 */
export async function spawnTrainerWorker(options: TrainerCoreOptions): Promise<TrainerCore> {
  const worker = new Worker(new URL('./trainer-worker-entry.mjs', import.meta.url));
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: Error | undefined;
  let iterations = 0;
  const failAll = (err: Error) => {
    failure = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (msg: TrainerReply) => {
      if (msg.type === 'ready') return resolve();
      if (msg.type === 'error' && msg.id === undefined) return reject(new Error(msg.message));
      if (!('id' in msg) || msg.id === undefined) return;
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.type === 'error') p.reject(new Error(msg.message));
      else p.resolve(msg);
    });
    worker.on('error', (err) => {
      failAll(err);
      reject(err);
    });
    worker.on('exit', (code) => {
      const err = new Error(`onnx trainer worker exited with code ${code}`);
      failAll(err);
      reject(err);
    });
  });
  const request = (msg: TrainerRequest & { id: number }): Promise<TrainerReply> => {
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      pending.set(msg.id, { resolve, reject });
      worker.postMessage(msg);
    });
  };
  worker.postMessage({ type: 'init', options } satisfies TrainerRequest);
  try {
    await ready;
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  return {
    get iterations() {
      return iterations;
    },
    prepare: () => {}, // the worker draws the next masks by itself after every step
    async step(input) {
      const r = await request({ type: 'step', id: nextId++, input });
      if (r.type !== 'loss') throw new Error(`onnx trainer worker: unexpected reply ${r.type}`);
      iterations++;
      return r.loss;
    },
    async gradients(input, gradOptions = {}) {
      const r = await request({ type: 'gradients', id: nextId++, input, options: gradOptions });
      if (r.type !== 'gradients') throw new Error(`onnx trainer worker: unexpected reply ${r.type}`);
      return r.result;
    },
    async state() {
      const r = await request({ type: 'state', id: nextId++ });
      if (r.type !== 'state') throw new Error(`onnx trainer worker: unexpected reply ${r.type}`);
      return { params: r.params, moving: r.moving };
    },
    async dispose() {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}
