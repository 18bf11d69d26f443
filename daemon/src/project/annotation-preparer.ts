import { ApiError } from '../errors/api-error.js';
import { startWorkerClient, type WorkerClient } from '../workers/worker-client.js';
import type { AnnotationWorkerReply, AnnotationWorkerRequest } from './annotation-worker-messages.js';
import { type PreparedAnnotation, prepareAnnotation } from './prepare-annotation.js';

export interface AnnotationPreparerOptions {
  maxAnnotationPixels: number;
  /**
   * Bodies up to this size are prepared on the calling thread: a few milliseconds of work, less than the hop to the
   * worker, and they work while it is still loading. Default 64 KiB (≈ 32 000 runs).
   */
  inlineMaxBytes?: number;
}

export interface AnnotationPreparer {
  /**
   * Parses, validates and encodes a raw `POST /api/annotations` body in the annotation worker; refusals are
   * ApiErrors. `body`'s buffer is transferred, not copied: the caller must not use it afterwards.
   */
  prepare(body: Uint8Array): Promise<PreparedAnnotation>;
}

type Client = WorkerClient<AnnotationWorkerReply>;

// One worker per process, started when the first project opens and unref'd: it holds no state, so every project opened
// in this process (the daemon's one, or a test's many) shares it, and nobody has to stop it. A crash (out of
// memory on a hostile body) fails that request; the next one starts a fresh worker.
let shared: Promise<Client> | undefined;

function worker(): Promise<Client> {
  if (shared) return shared;
  const init: AnnotationWorkerRequest = { type: 'init' };
  const started = startWorkerClient<AnnotationWorkerReply>(
    new URL('./annotation-worker-entry.mjs', import.meta.url),
    init,
  ).then((c) => {
    c.unref();
    return c;
  });
  shared = started;
  started.catch(() => {
    if (shared === started) shared = undefined;
  });
  return started;
}

export function createAnnotationPreparer(options: AnnotationPreparerOptions): AnnotationPreparer {
  // Started now, not on the first annotation: loading the worker takes seconds on a busy machine, and the first
  // annotation should not wait for it. A failed start is retried by the next `prepare`.
  worker().catch(() => {});
  return {
    async prepare(body) {
      if (body.byteLength <= (options.inlineMaxBytes ?? 64 << 10)) return prepareAnnotation(body, options);
      const c = await worker();
      const owned = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : body.slice();
      const msg: AnnotationWorkerRequest = {
        type: 'prepare',
        id: c.nextId(),
        body: owned,
        maxAnnotationPixels: options.maxAnnotationPixels,
      };
      let reply: AnnotationWorkerReply;
      try {
        reply = await c.request(msg, [owned.buffer as ArrayBuffer]);
      } catch (err) {
        if (shared && (await shared.catch(() => undefined)) === c) {
          shared = undefined;
          await c.terminate();
        }
        throw err;
      }
      if (reply.type === 'refused') throw new ApiError(reply.code, reply.message, reply.field);
      if (reply.type !== 'prepared') throw new Error(`annotation worker: unexpected reply ${reply.type}`);
      return reply.prepared;
    },
  };
}
