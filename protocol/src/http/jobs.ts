import { z } from 'zod';
import { ErrorCode } from '../errors.js';
import { SectionIndex } from '../geometry.js';
import { Id } from '../ids.js';

// Mirrors ACQUISITION_NAMES in @activeseg/shared (protocol has no dependencies); 'uncertainty' is std × EDT.
export const AcquisitionFunction = z.enum(['uncertainty', 'std', 'entropy', 'bald', 'random']);
export type AcquisitionFunction = z.infer<typeof AcquisitionFunction>;

export const InferJobRequest = z.object({
  kind: z.literal('infer'),
  slideId: Id,
  acquisition: AcquisitionFunction.optional(),
  /** The section the viewer shows: a volume's job scores it first, then every other section. */
  z: SectionIndex.optional(),
});
/** `finetune` continues from the current model; `scratch` starts from fresh weights. */
export const TrainMode = z.enum(['finetune', 'scratch']);
export type TrainMode = z.infer<typeof TrainMode>;

export const TrainJobRequest = z.object({
  kind: z.literal('train'),
  mode: TrainMode,
  epochs: z.number().int().min(1).max(1000).optional(),
});

/** `POST /api/jobs`. Heavy jobs run one at a time, first in first out. */
export const StartJobRequest = z.discriminatedUnion('kind', [InferJobRequest, TrainJobRequest]);
export type StartJobRequest = z.infer<typeof StartJobRequest>;

export const JobKind = z.enum(['infer', 'train']);
export type JobKind = z.infer<typeof JobKind>;

export const JobState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export type JobState = z.infer<typeof JobState>;

export const JobProgress = z.object({
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});
export type JobProgress = z.infer<typeof JobProgress>;

export const JobInfo = z.object({
  id: Id,
  kind: JobKind,
  state: JobState,
  progress: JobProgress,
  error: z.object({ code: ErrorCode, message: z.string() }).optional(),
  /** A job that ended `done` but with something to tell (a trained version scored worse and was not made current). */
  warning: z.string().optional(),
  /** ISO 8601. */
  createdAt: z.string(),
});
export type JobInfo = z.infer<typeof JobInfo>;

export const JobParams = z.object({ jobId: Id });
export type JobParams = z.infer<typeof JobParams>;
