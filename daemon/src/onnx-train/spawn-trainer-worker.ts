import { startWorkerClient } from '../workers/worker-client.js';
import type { TrainerCore, TrainerCoreOptions } from './trainer-core.js';
import type { TrainerReply, TrainerRequest } from './trainer-worker-messages.js';

/** The {@link TrainerCore} API on a worker thread; `dispose` terminates the thread and its onnxruntime sessions. */
export async function spawnTrainerWorker(options: TrainerCoreOptions): Promise<TrainerCore> {
  const init: TrainerRequest = { type: 'init', options };
  const client = await startWorkerClient<TrainerReply>(new URL('./trainer-worker-entry.mjs', import.meta.url), init);
  const request = async <T extends TrainerReply['type']>(msg: TrainerRequest & { id: number }, want: T) => {
    const r = await client.request(msg);
    if (r.type !== want) throw new Error(`onnx trainer worker: unexpected reply ${r.type}`);
    return r as Extract<TrainerReply, { type: T }>;
  };
  let iterations = 0;
  return {
    get iterations() {
      return iterations;
    },
    async step(input) {
      const r = await request({ type: 'step', id: client.nextId(), input }, 'loss');
      iterations++;
      return r.loss;
    },
    async gradients(input, gradOptions = {}) {
      return (await request({ type: 'gradients', id: client.nextId(), input, options: gradOptions }, 'gradients'))
        .result;
    },
    async predict(images, n) {
      return (await request({ type: 'predict', id: client.nextId(), images, n }, 'probability')).probability;
    },
    async state() {
      const r = await request({ type: 'state', id: client.nextId() }, 'state');
      return { params: r.params, moving: r.moving };
    },
    dispose: () => client.terminate(),
  };
}
