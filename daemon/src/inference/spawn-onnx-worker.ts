import { startWorkerClient } from '../workers/worker-client.js';
import type { McResult } from './mc-result.js';
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
  /** Nice value of the worker thread and its onnxruntime threads (Linux: per thread; 0..19 lowers priority). */
  niceness?: number;
}): Promise<OnnxWorker> {
  const init: OnnxWorkerRequest = {
    type: 'init',
    model: options.model,
    ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
    ...(options.allowSpinning === undefined ? {} : { allowSpinning: options.allowSpinning }),
    ...(options.niceness === undefined ? {} : { niceness: options.niceness }),
  };
  const client = await startWorkerClient<OnnxWorkerReply>(new URL('./onnx-mc-worker-entry.mjs', import.meta.url), init);
  return {
    run: async (o) => {
      const patch = Float32Array.from(o.patch);
      const msg: OnnxWorkerRequest = { type: 'run', id: client.nextId(), ...o, patch };
      const r = await client.request(msg, [patch.buffer]);
      if (r.type !== 'result') throw new Error(`onnx worker: unexpected reply ${r.type}`);
      return r.probs ? { mean: r.mean, std: r.std, probs: r.probs } : { mean: r.mean, std: r.std };
    },
    dispose: () => client.terminate(),
  };
}
