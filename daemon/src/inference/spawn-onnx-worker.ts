import { Worker } from 'node:worker_threads';
import type { McResult } from './create-mc-runner.js';
import type { OnnxWorkerReply, OnnxWorkerRequest } from './onnx-worker-messages.js';

export interface OnnxWorker {
  run(o: {
    patch: Float32Array;
    size: number;
    passes: number;
    keepSamples: boolean;
    batchSize?: number;
  }): Promise<McResult>;
  dispose(): Promise<void>;
}

/**
 * Starts `onnx-mc.worker` (through a JS entry that loads it with tsx) and loads the model in it; a crashed worker
 * rejects every pending call instead of hanging it.
 */
export async function spawnOnnxWorker(options: {
  model: Uint8Array;
  intraOpThreads?: number;
  allowSpinning?: boolean;
}): Promise<OnnxWorker> {
  const worker = new Worker(new URL('./onnx-mc-worker-entry.mjs', import.meta.url));
  const pending = new Map<number, { resolve(r: McResult): void; reject(e: Error): void }>();
  let nextId = 1;
  let failure: Error | undefined;
  const failAll = (err: Error) => {
    failure = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (msg: OnnxWorkerReply) => {
      if (msg.type === 'ready') return resolve();
      if (msg.type === 'error' && msg.id === undefined) return reject(new Error(msg.message));
      const p = msg.id === undefined ? undefined : pending.get(msg.id);
      if (!p || msg.id === undefined) return;
      pending.delete(msg.id);
      if (msg.type === 'error') p.reject(new Error(msg.message));
      else p.resolve(msg.probs ? { mean: msg.mean, std: msg.std, probs: msg.probs } : { mean: msg.mean, std: msg.std });
    });
    worker.on('error', (err) => {
      failAll(err);
      reject(err);
    });
    worker.on('exit', (code) => {
      const err = new Error(`onnx worker exited with code ${code}`);
      failAll(err);
      reject(err);
    });
  });
  const init: OnnxWorkerRequest = {
    type: 'init',
    model: options.model,
    ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
    ...(options.allowSpinning === undefined ? {} : { allowSpinning: options.allowSpinning }),
  };
  worker.postMessage(init);
  try {
    await ready;
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  return {
    run: (o) => {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      const patch = Float32Array.from(o.patch);
      const msg: OnnxWorkerRequest = { type: 'run', id, ...o, patch };
      return new Promise<McResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage(msg, [patch.buffer]);
      });
    },
    dispose: async () => {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}
