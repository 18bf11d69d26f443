import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { createOnnxMcSession, type OnnxMcSession } from '../onnx/onnx-mc-session.js';
import type { OnnxWorkerReply, OnnxWorkerRequest } from './onnx-worker-messages.js';

// onnxruntime-node runs `session.run` synchronously on the calling thread; here that thread is this worker, so the
// daemon's event loop keeps serving tiles and WebSocket frames while 20–50 passes run.
const port = parentPort;
if (port === null) throw new Error('onnx-mc.worker.ts must run as a worker thread');

let engine: OnnxMcSession | undefined;

const reply = (msg: OnnxWorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

port.on('message', async (msg: OnnxWorkerRequest) => {
  try {
    if (msg.type === 'init') {
      if (msg.niceness !== undefined) lowerThreadPriority(msg.niceness);
      engine = await createOnnxMcSession({
        model: msg.model,
        ...(msg.intraOpThreads ? { intraOpThreads: msg.intraOpThreads } : {}),
        ...(msg.allowSpinning === undefined ? {} : { allowSpinning: msg.allowSpinning }),
      });
      reply({ type: 'ready' });
      return;
    }
    if (!engine) throw new Error('onnx worker: run before init');
    const r = await engine.mcPredict(msg.patch, msg.size, {
      passes: msg.passes,
      keepProbs: msg.keepSamples,
      ...(msg.batchSize ? { batchSize: msg.batchSize } : {}),
    });
    const transfer = [r.mean.buffer, r.std.buffer, ...(r.probs ? [r.probs.buffer] : [])] as ArrayBuffer[];
    reply({ type: 'result', id: msg.id, mean: r.mean, std: r.std, ...(r.probs ? { probs: r.probs } : {}) }, transfer);
  } catch (err) {
    reply({
      type: 'error',
      id: msg.type === 'run' ? msg.id : undefined,
      message: (err as Error).message ?? String(err),
    });
  }
});

/**
 * Linux keeps a nice value per thread and `setPriority(0, …)` sets the calling thread's: this worker's, not the event
 * loop's. onnxruntime's intra-op threads, created after it, inherit it. So the passes can use every core and still
 * yield to the daemon's event loop (tile requests) whenever it has work. Elsewhere this is best effort: a platform
 * that refuses (or treats it per process) runs the passes at normal priority.
 */
function lowerThreadPriority(niceness: number): void {
  try {
    setPriority(0, niceness);
  } catch {
    // Not permitted or not supported: speed is unaffected, only tile latency under load.
  }
}
