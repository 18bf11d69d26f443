import { AcquisitionFunction, ErrorCode, TrainJobRequest } from '@activeseg/protocol';
import { z } from 'zod';

/**
 * The wire contract between a daemon started with `--redis` and `activeseg worker` processes: one BullMQ queue
 * (both job kinds, so a worker never trains and scores at once and swaps its model under a running batch).
 */
export const FLEET_QUEUE = 'jobs';
/** BullMQ key prefix; one per project when several projects share a Redis. */
export const DEFAULT_FLEET_PREFIX = 'activeseg';

export const INFER_BATCH = 'infer-batch';
export const TRAIN = 'train';

const Count = z.number().int().nonnegative();
/** `z`: section of a volume, absent = 0. */
const GridCell = z.object({ col: Count, row: Count, z: Count.optional() });

/**
 * Everything that crosses Redis is one of these schemas and is parsed where it arrives (job data in the worker,
 * progress and return values in the daemon): the other end may run another version of the code, or Redis may hold
 * anything at all.
 */
/** One batch of an inference job: some grid cells of one slide, scored with one model version. */
export const InferBatchData = z.object({
  jobId: z.string().min(1),
  slideId: z.string().min(1),
  modelVersion: Count,
  acquisition: AcquisitionFunction.optional(),
  cells: z.array(GridCell),
  batch: Count,
  batches: Count,
  /** The daemon's grid and blank threshold, so every worker cuts the same patches. */
  patchSize: z.number().int().positive(),
  blankPatchStd: z.number().nonnegative(),
});
export type InferBatchData = z.infer<typeof InferBatchData>;

export const TrainData = z.object({ jobId: z.string().min(1), request: TrainJobRequest });
export type TrainData = z.infer<typeof TrainData>;

/** `job.updateProgress` payload of a batch: counts within the batch, and the cell just scored (if any). */
export const BatchProgress = z.object({ done: Count, total: Count, cell: GridCell.optional() });
export type BatchProgress = z.infer<typeof BatchProgress>;

/** `job.updateProgress` payload of a training job. */
export const TrainProgressData = z.object({
  done: Count,
  total: Count,
  detail: z.object({ epoch: Count, loss: z.number(), valDice: z.number().min(0).max(1).optional() }).optional(),
});
export type TrainProgressData = z.infer<typeof TrainProgressData>;

/**
 * What a worker's job returns (BullMQ's `returnvalue`): a training job names the version it saved, and whether the
 * promotion rule made it current (with the warning when it did not).
 */
export const FleetJobResult = z.object({
  modelVersion: Count.optional(),
  promoted: z.boolean().optional(),
  warning: z.string().max(2000).optional(),
});
export type FleetJobResult = z.infer<typeof FleetJobResult>;

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
  const code = ErrorCode.safeParse(m?.[1]);
  if (m && code.success) return { code: code.data, message: m[2]! };
  return { code: 'INTERNAL', message: reason || 'worker failed' };
}
