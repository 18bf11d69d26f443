import type { JobInfo, StartJobRequest } from '@activeseg/protocol';
import { ApiError } from '../errors/api-error.js';
import type { JobRecord, JobsRepo } from '../store/jobs-repo.js';

/** A stored job as the wire sees it; shared by the embedded queue and the fleet queue so both answer alike. */
export function jobInfo(r: JobRecord): JobInfo {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    progress: { done: r.progressDone, total: r.progressTotal },
    ...(r.errorCode ? { error: { code: r.errorCode, message: r.errorMessage ?? '' } } : {}),
    ...(r.warning ? { warning: r.warning } : {}),
    createdAt: r.createdAt,
  };
}

/** The job's row, or JOB_NOT_FOUND naming the id. */
export function getJobOrThrow(jobs: JobsRepo, id: string): JobRecord {
  const r = jobs.get(id);
  if (!r) throw new ApiError('JOB_NOT_FOUND', `no job ${id}`, 'jobId');
  return r;
}

/** Two requests that would do the same work: any two trainings, or inference on the same slide. */
export function sameWork(a: StartJobRequest, b: StartJobRequest): boolean {
  return a.kind === b.kind && (a.kind === 'train' || (b.kind === 'infer' && a.slideId === b.slideId));
}

/** The row a newly accepted job starts with. */
export function queuedJobRecord(id: string, request: StartJobRequest, createdAt: string): JobRecord {
  return {
    id,
    kind: request.kind,
    params: request,
    state: 'queued',
    progressDone: 0,
    progressTotal: 0,
    errorCode: null,
    errorMessage: null,
    createdAt,
    startedAt: null,
    finishedAt: null,
  };
}
