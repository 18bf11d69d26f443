import type { JobInfo, JobKind, StartJobRequest } from '@activeseg/protocol';
import { ApiError } from '../errors/api-error.js';
import { randomId } from '../project/random-id.js';
import type { JobRecord, JobsRepo } from '../store/jobs-repo.js';
import type { JobEventSink } from './job-events.js';
import { getJobOrThrow, jobInfo, queuedJobRecord, sameWork } from './job-info.js';
import { createJobReporter, type ReportProgress, type StateExtra } from './job-reporter.js';

export interface JobContext {
  readonly id: string;
  readonly signal: AbortSignal;
  /** Persists (throttled) and emits `job.progress` with an ETA from the rate so far. */
  progress: ReportProgress;
}

/** Runs one job body; resolve = done, throw = failed (or cancelled when the signal tripped). */
export type JobRunner = (request: StartJobRequest, ctx: JobContext) => Promise<JobRunnerResult | undefined>;

/** What a finished job reports: a train job's version, and whether it was made current (with why not). */
export interface JobRunnerResult {
  modelVersion?: number;
  promoted?: boolean;
  warning?: string;
}

export interface JobQueueDeps {
  jobs: JobsRepo;
  events: JobEventSink;
  runners: Record<JobKind, JobRunner>;
  /** Progress is written to the database at most this often (emitted too, except the last). */
  progressIntervalMs?: number;
  now?: () => number;
  log?: (message: string, err?: unknown) => void;
}

export interface JobQueue {
  start(request: StartJobRequest): JobInfo;
  cancel(jobId: string): JobInfo;
  get(jobId: string): JobInfo;
  /** Resolves when nothing is queued or running (tests, shutdown). */
  idle(): Promise<void>;
  /** Cancels everything and waits for the running job to stop. */
  close(): Promise<void>;
  /**
   * Runs these slides' pending inference work first (the slides viewers are looking at; an empty list clears the
   * focus). Optional: the embedded queue runs one job at a time and has nothing to reorder.
   */
  prioritize?(slideIds: readonly string[]): Promise<void>;
}

interface Entry {
  id: string;
  request: StartJobRequest;
  controller: AbortController;
}

/**
 * One heavy job at a time, first in first out (training and MC inference both saturate the CPU/GPU).
 * Every state change is persisted in `jobs` and emitted as `job.state`. At creation, jobs a previous
 * process left queued or running are marked failed with DAEMON_RESTARTED.
 */
export function createJobQueue(deps: JobQueueDeps): JobQueue {
  const { jobs } = deps;
  const now = deps.now ?? Date.now;
  const iso = () => new Date(now()).toISOString();
  const log = deps.log ?? ((m, e) => console.error(m, e));
  const reporter = createJobReporter({
    jobs,
    events: deps.events,
    now,
    ...(deps.progressIntervalMs === undefined ? {} : { progressIntervalMs: deps.progressIntervalMs }),
  });
  const transition = reporter.transition;

  for (const id of reporter.failInterrupted()) {
    log(`job ${id} was interrupted by a daemon restart; marked failed`);
  }

  const queue: Entry[] = [];
  let running: Entry | undefined;
  let idleWaiters: (() => void)[] = [];

  const info = jobInfo;

  const mustGet = (id: string): JobRecord => getJobOrThrow(jobs, id);

  const pump = (): void => {
    if (running) return;
    const next = queue.shift();
    if (!next) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
      return;
    }
    running = next;
    void run(next).finally(() => {
      running = undefined;
      pump();
    });
  };

  const run = async (entry: Entry): Promise<void> => {
    const { id, request, controller } = entry;
    const kind = request.kind;
    transition(id, kind, 'running');
    const ctx: JobContext = { id, signal: controller.signal, progress: reporter.progressOf(id, kind) };
    try {
      const result = await deps.runners[kind](request, ctx);
      if (controller.signal.aborted) throw controller.signal.reason;
      transition(id, kind, 'done', doneExtra(result));
    } catch (err) {
      if (controller.signal.aborted) {
        transition(id, kind, 'cancelled', { error: { code: 'JOB_CANCELLED', message: 'cancelled by the user' } });
      } else if (err instanceof ApiError) {
        transition(id, kind, 'failed', { error: { code: err.code, message: err.message } });
      } else {
        log(`job ${id} (${kind}) failed`, err);
        transition(id, kind, 'failed', {
          error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) },
        });
      }
    }
  };

  return {
    start(request) {
      const dup = [running, ...queue].find((e) => e && sameWork(e.request, request));
      if (dup) throw new ApiError('JOB_ALREADY_RUNNING', `an equivalent ${request.kind} job (${dup.id}) is pending`);
      const id = randomId('jb');
      const record = queuedJobRecord(id, request, iso());
      reporter.queued(record);
      queue.push({ id, request, controller: new AbortController() });
      const snapshot = info(record);
      queueMicrotask(pump);
      return snapshot;
    },
    cancel(jobId) {
      const record = mustGet(jobId);
      const qi = queue.findIndex((e) => e.id === jobId);
      if (qi >= 0) {
        const [entry] = queue.splice(qi, 1);
        entry?.controller.abort();
        transition(jobId, record.kind, 'cancelled', {
          error: { code: 'JOB_CANCELLED', message: 'cancelled by the user' },
        });
        if (!running) pump();
        return info(mustGet(jobId));
      }
      if (running?.id === jobId) {
        // The runner sees the signal at its next check; the state flips to `cancelled` when it returns.
        running.controller.abort(new ApiError('JOB_CANCELLED', 'cancelled by the user'));
        return info(record);
      }
      throw new ApiError('JOB_NOT_CANCELLABLE', `job ${jobId} is already ${record.state}`, 'jobId');
    },
    get: (jobId) => info(mustGet(jobId)),
    idle: () =>
      !running && queue.length === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)),
    async close() {
      for (const e of queue.splice(0)) {
        e.controller.abort();
        transition(e.id, e.request.kind, 'cancelled', { error: { code: 'JOB_CANCELLED', message: 'daemon stopping' } });
      }
      if (running) {
        running.controller.abort(new ApiError('JOB_CANCELLED', 'daemon stopping'));
        await new Promise<void>((resolve) => idleWaiters.push(resolve));
      }
    },
  };
}

/** The `done` transition's fields from a runner's result (only those it set). */
export function doneExtra(result: JobRunnerResult | undefined): StateExtra {
  return {
    ...(result?.modelVersion === undefined ? {} : { modelVersion: result.modelVersion }),
    ...(result?.promoted === undefined ? {} : { promoted: result.promoted }),
    ...(result?.warning === undefined ? {} : { warning: result.warning }),
  };
}
