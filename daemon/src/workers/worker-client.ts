import { Worker } from 'node:worker_threads';

/** Replies every worker of ours sends: `ready` once after init, `error` (with the request's id, or none for init). */
type BaseReply =
  | { type: 'ready' }
  | { type: 'error'; id?: number | undefined; message: string }
  | { type: string; id: number };

export interface WorkerClient<Reply> {
  /** Posts `message` (which carries `id`) and resolves with the worker's reply to that id; rejects on its `error`. */
  request(message: { id: number }, transfer?: ArrayBuffer[]): Promise<Reply>;
  nextId(): number;
  /** Lets the process exit while this worker is idle (for a shared, stateless worker nobody terminates). */
  unref(): void;
  terminate(): Promise<void>;
}

/**
 * Starts a worker thread from `entry`, posts `init` and waits for its `ready`. A crashed or exited worker rejects
 * every pending request (and all later ones) instead of leaving them hanging.
 */
export async function startWorkerClient<Reply extends BaseReply>(
  entry: URL,
  init: unknown,
): Promise<WorkerClient<Reply>> {
  const worker = new Worker(entry);
  const pending = new Map<number, { resolve(reply: Reply): void; reject(err: Error): void }>();
  let id = 1;
  let failure: Error | undefined;
  const failAll = (err: Error) => {
    failure = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (msg: Reply) => {
      if (msg.type === 'ready') return resolve();
      const replyId = 'id' in msg ? msg.id : undefined;
      if (msg.type === 'error' && replyId === undefined) return reject(new Error((msg as { message: string }).message));
      const p = replyId === undefined ? undefined : pending.get(replyId);
      if (!p || replyId === undefined) return;
      pending.delete(replyId);
      if (msg.type === 'error') p.reject(new Error((msg as { message: string }).message));
      else p.resolve(msg);
    });
    worker.on('error', (err) => {
      failAll(err);
      reject(err);
    });
    worker.on('exit', (code) => {
      const err = new Error(`worker ${entry.pathname.split('/').pop()} exited with code ${code}`);
      failAll(err);
      reject(err);
    });
  });
  worker.postMessage(init);
  try {
    await ready;
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  return {
    nextId: () => id++,
    unref: () => worker.unref(),
    request(message, transfer = []) {
      if (failure) return Promise.reject(failure);
      return new Promise<Reply>((resolve, reject) => {
        pending.set(message.id, { resolve, reject });
        worker.postMessage(message, transfer);
      });
    },
    async terminate() {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}
