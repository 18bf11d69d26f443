import { parentPort } from 'node:worker_threads';
import { ApiError } from '../errors/api-error.js';
import type { AnnotationWorkerReply, AnnotationWorkerRequest } from './annotation-worker-messages.js';
import { prepareAnnotation } from './prepare-annotation.js';

// JSON.parse, zod and RLE decoding of a large annotation body are synchronous; here they block this thread, not the
// daemon's event loop. One request at a time: three 30 MB bodies at once queue instead of tripling peak memory.
const port = parentPort;
if (port === null) throw new Error('annotation.worker.ts must run as a worker thread');

const reply = (msg: AnnotationWorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: AnnotationWorkerRequest) => {
  if (msg.type === 'init') return reply({ type: 'ready' });
  queue = queue.then(async () => {
    try {
      const prepared = await prepareAnnotation(msg.body, { maxAnnotationPixels: msg.maxAnnotationPixels });
      reply({ type: 'prepared', id: msg.id, prepared }, [prepared.png.buffer as ArrayBuffer]);
    } catch (err) {
      if (err instanceof ApiError) {
        const { code, message, field } = err;
        reply({ type: 'refused', id: msg.id, code, message, ...(field === undefined ? {} : { field }) });
      } else {
        reply({ type: 'error', id: msg.id, message: (err as Error).message ?? String(err) });
      }
    }
  });
});
