import { parentPort } from 'node:worker_threads';
import { createTrainerCore, type LocalTrainerCore } from './trainer-core.js';
import type { TrainerReply, TrainerRequest } from './trainer-worker-messages.js';

// onnxruntime-node's session.run blocks the thread that calls it; in this worker it blocks only the worker, so a
// daemon keeps answering tile requests and WebSocket frames through a training job.
const port = parentPort;
if (port === null) throw new Error('trainer.worker.ts must run as a worker thread');

let core: LocalTrainerCore | undefined;
const reply = (msg: TrainerReply, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

port.on('message', async (msg: TrainerRequest) => {
  try {
    if (msg.type === 'init') {
      core = await createTrainerCore(msg.options);
      reply({ type: 'ready' });
      return;
    }
    if (!core) throw new Error('onnx trainer worker: request before init');
    if (msg.type === 'step') {
      const loss = await core.step(msg.input);
      reply({ type: 'loss', id: msg.id, loss });
      // While the caller augments the next batch, draw that step's dropout masks (same stream either way).
      core.prepare(msg.input.batch);
    } else if (msg.type === 'gradients') {
      const result = await core.gradients(msg.input, msg.options);
      reply({ type: 'gradients', id: msg.id, result });
    } else if (msg.type === 'predict') {
      const probability = Float32Array.from(await core.predict(msg.images, msg.n));
      reply({ type: 'probability', id: msg.id, probability }, [probability.buffer as ArrayBuffer]);
    } else {
      const { params, moving } = await core.state();
      reply(
        { type: 'state', id: msg.id, params, moving },
        params.map((p) => p.buffer as ArrayBuffer),
      );
    }
  } catch (err) {
    reply({ type: 'error', ...('id' in msg ? { id: msg.id } : {}), message: (err as Error).message ?? String(err) });
  }
});
