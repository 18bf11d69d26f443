import type { ErrorCode } from '@activeseg/protocol';
import type { PreparedAnnotation } from './prepare-annotation.js';

/** Messages between `annotation-preparer.ts` and `annotation.worker.ts` (structured clone + transfer). */
export type AnnotationWorkerRequest =
  | { type: 'init' }
  | { type: 'prepare'; id: number; body: Uint8Array; maxAnnotationPixels: number };

export type AnnotationWorkerReply =
  | { type: 'ready' }
  | { type: 'prepared'; id: number; prepared: PreparedAnnotation }
  /** An ApiError thrown while preparing: sent as data, since errors lose their code crossing threads. */
  | { type: 'refused'; id: number; code: ErrorCode; message: string; field?: string }
  | { type: 'error'; id: number | undefined; message: string };
