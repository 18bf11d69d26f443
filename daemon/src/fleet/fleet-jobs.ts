import type { AcquisitionFunction, ErrorCode, StartJobRequest } from '@activeseg/protocol';
import { ERROR_CODES } from '@activeseg/protocol';
import type { GridCell } from '../jobs/infer-job.js';

/**
 * The wire contract between a daemon started with `--redis` and `activeseg worker` processes: one BullMQ queue
 * (both job kinds, so a worker never trains and scores at once and swaps its model under a running batch).
 */
export const FLEET_QUEUE = 'jobs';
/** BullMQ key prefix; one per project when several projects share a Redis. */
export const DEFAULT_FLEET_PREFIX = 'activeseg';

export const INFER_BATCH = 'infer-batch';
export const TRAIN = 'train';

/** One batch of an inference job: some grid cells of one slide, scored with one model version. */
export interface InferBatchData {
  jobId: string;
  slideId: string;
  modelVersion: number;
  acquisition?: AcquisitionFunction;
  cells: GridCell[];
  batch: number;
  batches: number;
  /** The daemon's grid and blank threshold, so every worker cuts the same patches. */
  patchSize: number;
  blankPatchStd: number;
}

export interface TrainData {
  jobId: string;
  request: Extract<StartJobRequest, { kind: 'train' }>;
}

/** `job.updateProgress` payload of a batch: counts within the batch, and the cell just scored (if any). */
export interface BatchProgress {
  done: number;
  total: number;
  cell?: GridCell;
}

/** `job.updateProgress` payload of a training job. */
export interface TrainProgressData {
  done: number;
  total: number;
  detail?: { epoch: number; loss: number; valDice?: number };
}

/** BullMQ custom ids may not contain ':'; activeseg job ids are base64url, so '.' separates safely. */
export const batchJobId = (jobId: string, batch: number): string => `${jobId}.b${batch}`;
export const parseBatchJobId = (id: string): { jobId: string; batch: number } | undefined => {
  const m = /^(.+)\.b(\d+)$/.exec(id);
  return m ? { jobId: m[1]!, batch: Number(m[2]) } : undefined;
};

/** Set (with a TTL) when a job is cancelled; workers poll it and abort the batch they are running. */
export const cancelKey = (prefix: string, jobId: string): string => `${prefix}:${FLEET_QUEUE}:cancel:${jobId}`;

/** Worker failures travel as BullMQ `failedReason` strings: `CODE: message`. */
export const encodeFailure = (code: ErrorCode, message: string): string => `${code}: ${message}`;
export function decodeFailure(reason: string | undefined): { code: ErrorCode; message: string } {
  const m = /^([A-Z_]+): ([\s\S]*)$/.exec(reason ?? '');
  if (m && m[1]! in ERROR_CODES) return { code: m[1] as ErrorCode, message: m[2]! };
  return { code: 'INTERNAL', message: reason || 'worker failed' };
}
