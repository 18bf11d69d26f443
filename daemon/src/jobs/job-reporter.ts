import type { ErrorCode, JobKind, JobState } from '@activeseg/protocol';
import type { JobRecord, JobsRepo } from '../store/jobs-repo.js';
import type { JobEventSink } from './job-events.js';

export interface JobReporterOptions {
  jobs: JobsRepo;
  events: JobEventSink;
  /** Progress is written to the database at most this often (emitted too, except the last). */
  progressIntervalMs?: number;
  now?: () => number;
}

export interface StateExtra {
  error?: { code: ErrorCode; message: string };
  modelVersion?: number;
  /** A train job's version was kept aside (not made current); `warning` says why. */
  promoted?: boolean;
  warning?: string;
}

/** `done` of `total` steps, with the epoch's numbers for a training job. */
export type ReportProgress = (
  done: number,
  total: number,
  detail?: { epoch: number; loss: number; valDice?: number },
) => void;

/**
 * How a job queue (the embedded one or the fleet's) records and announces its jobs, so that both persist and report
 * alike: every state change is written to `jobs` and emitted as `job.state`; progress is throttled, written and
 * emitted as `job.progress` with an ETA from the rate so far.
 */
export interface JobReporter {
  /** Marks jobs a previous process left queued or running as failed (DAEMON_RESTARTED); returns their ids. */
  failInterrupted(): string[];
  /** Stores a newly accepted job and announces it as queued. */
  queued(record: JobRecord): void;
  transition(id: string, kind: JobKind, state: JobState, extra?: StateExtra): void;
  /** A throttled progress reporter for one job; its ETA counts from now. */
  progressOf(id: string, kind: JobKind): ReportProgress;
}

export function createJobReporter(options: JobReporterOptions): JobReporter {
  const { jobs, events } = options;
  const now = options.now ?? Date.now;
  const interval = options.progressIntervalMs ?? 250;
  const iso = () => new Date(now()).toISOString();

  return {
    failInterrupted: () => jobs.failInterrupted(iso(), 'DAEMON_RESTARTED', 'daemon restarted'),
    queued(record) {
      jobs.insert(record);
      events.emit({ type: 'job.state', jobId: record.id, kind: record.kind, state: 'queued' });
    },
    transition(id, kind, state, extra = {}) {
      jobs.setState(id, state, iso(), extra.error, extra.warning);
      // Here rather than in the train runner, so a version trained by a fleet worker is announced too.
      if (kind === 'train' && state === 'done' && extra.modelVersion !== undefined) {
        events.emit({ type: 'model.added', modelVersion: extra.modelVersion });
      }
      events.emit({ type: 'job.state', jobId: id, kind, state, ...extra });
    },
    progressOf(id, kind) {
      const startedAt = now();
      let lastWrite = 0;
      return (done, total, detail) => {
        const t = now();
        if (done < total && t - lastWrite < interval) return;
        lastWrite = t;
        jobs.setProgress(id, done, total);
        const elapsed = t - startedAt;
        const etaMs = done > 0 && total > done ? Math.round((elapsed / done) * (total - done)) : undefined;
        events.emit({
          type: 'job.progress',
          jobId: id,
          kind,
          done,
          total,
          ...(etaMs === undefined ? {} : { etaMs }),
          ...(detail ? { detail } : {}),
        });
      };
    },
  };
}
