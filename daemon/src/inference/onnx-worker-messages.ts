/** Messages between `create-mc-runner.ts` and `onnx-mc.worker.ts` (same process, structured clone + transfer). */
export type OnnxWorkerRequest =
  | { type: 'init'; model: Uint8Array; intraOpThreads?: number; allowSpinning?: boolean; niceness?: number }
  | {
      type: 'run';
      id: number;
      patch: Float32Array;
      size: number;
      passes: number;
      keepSamples: boolean;
      batchSize?: number;
    };

export type OnnxWorkerReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; mean: Float32Array; std: Float32Array; probs?: Float32Array }
  | { type: 'error'; id: number | undefined; message: string };
