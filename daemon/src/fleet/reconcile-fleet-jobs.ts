import type { JobKind, JobState } from '@activeseg/protocol';
import type { RedisClient } from 'bullmq';

/** What Redis says about one BullMQ job of ours. */
export type BullJobProbe =
  | { state: 'missing' }
  | { state: 'pending' }
  | { state: 'completed'; returnvalue: unknown }
  | { state: 'failed'; failedReason: string };

/** A daemon job still open (queued or running) as the reconciler sees it. */
export interface ReconcileJob {
  id: string;
  kind: JobKind;
  state: JobState;
  cancelled: boolean;
  /** Batches (train: the one BullMQ job) not settled yet. */
  unsettled: { index: number; bullId: string }[];
}

export type ReconcileAction =
  /** The batch finished in Redis but its event never reached the daemon (e.g. emitted while it was disconnected). */
  | { type: 'settle'; jobId: string; index: number; returnvalue?: unknown; failedReason?: string }
  /** These batches are gone from Redis: add them again (scoring is an idempotent upsert, so re-running is safe). */
  | { type: 'requeue'; jobId: string; indices: number[] }
  /** A cancelled job's batches are gone: nothing is left to stop, they count as settled. */
  | { type: 'drop'; jobId: string; indices: number[] }
  /** A worker wrote this job's model version (folder and row) but its completion was lost with Redis. */
  | { type: 'trained'; jobId: string; version: number }
  /** Gone from Redis, no worker holds its lease and it left no model: it cannot end on its own. */
  | { type: 'lost'; jobId: string };

export interface FleetReconcilerOptions {
  client: RedisClient;
  /** Redis key of a BullMQ job's hash (`queue.toKey(id)`). */
  jobKey(bullId: string): string;
  /** Redis key of a worker's lease on a BullMQ job (`leaseKey`). */
  leaseKey(bullId: string): string;
  /** The model version a train job wrote, from the project's model_versions table. */
  trainedVersionOf(jobId: string): number | undefined;
  /**
   * How long a vanished train job must stay without a lease before it counts as lost: at least the workers'
   * lease, so a worker that is still training has time to reconnect and write its lease again.
   */
  leaseMs: number;
  now?: () => number;
}

export interface FleetReconciler {
  /** Compares the open jobs with Redis and says what to do; each call sees Redis once, so call it again later. */
  reconcile(jobs: readonly ReconcileJob[]): Promise<ReconcileAction[]>;
}

/** Hash fields that tell a BullMQ job's fate: `timestamp` exists from `add` on, `finishedOn` once it is final. */
const FIELDS = ['timestamp', 'finishedOn', 'returnvalue', 'failedReason'] as const;
const CHUNK = 500;

/** Reads the fate of BullMQ jobs from their hashes (one HMGET each, sent together on one connection). */
export async function probeBullJobs(
  client: RedisClient,
  jobKey: (bullId: string) => string,
  bullIds: readonly string[],
): Promise<BullJobProbe[]> {
  const out: BullJobProbe[] = [];
  for (let i = 0; i < bullIds.length; i += CHUNK) {
    const rows = await Promise.all(bullIds.slice(i, i + CHUNK).map((id) => client.hmget(jobKey(id), ...FIELDS)));
    for (const [timestamp, finishedOn, returnvalue, failedReason] of rows) {
      if (timestamp === null || timestamp === undefined) out.push({ state: 'missing' });
      else if (!finishedOn) out.push({ state: 'pending' });
      else if (returnvalue !== null && returnvalue !== undefined)
        out.push({ state: 'completed', returnvalue: parse(returnvalue) });
      else out.push({ state: 'failed', failedReason: failedReason ?? '' });
    }
  }
  return out;
}

const parse = (json: string): unknown => {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
};

/**
 * The daemon's SQLite rows are the truth about its jobs; Redis only carries work. After Redis comes back (and
 * periodically) this compares the two, so that no job is left `running` because Redis forgot it:
 * - an inference batch gone from Redis is enqueued again (idempotent: it re-scores its cells);
 * - a train job gone from Redis ends `done` if a worker wrote its model version, waits while a worker's lease on it
 *   is alive, is enqueued again if it never started, and otherwise is lost (`FLEET_JOB_LOST`);
 * - a batch that finished while the daemon missed its event is settled from its hash.
 */
export function createFleetReconciler(options: FleetReconcilerOptions): FleetReconciler {
  const now = options.now ?? Date.now;
  /** When a train job was first seen gone from Redis with no lease and no model. */
  const orphanSince = new Map<string, number>();

  const reconcileTrain = async (job: ReconcileJob, probe: BullJobProbe): Promise<ReconcileAction[]> => {
    // While Redis holds the job its own events (or its hash, below) tell how it ended.
    if (probe.state !== 'missing') {
      orphanSince.delete(job.id);
      if (probe.state === 'completed')
        return [{ type: 'settle', jobId: job.id, index: 0, returnvalue: probe.returnvalue }];
      if (probe.state === 'failed')
        return [{ type: 'settle', jobId: job.id, index: 0, failedReason: probe.failedReason }];
      return [];
    }
    const version = options.trainedVersionOf(job.id);
    if (version !== undefined) {
      orphanSince.delete(job.id);
      return [{ type: 'trained', jobId: job.id, version }];
    }
    if (job.cancelled) return [{ type: 'drop', jobId: job.id, indices: [0] }];
    if ((await options.client.get(options.leaseKey(job.id))) !== null) {
      orphanSince.delete(job.id);
      return [];
    }
    const since = orphanSince.get(job.id) ?? now();
    orphanSince.set(job.id, since);
    if (now() - since < options.leaseMs) return [];
    orphanSince.delete(job.id);
    // Never reported active and nobody holds it: it was waiting when Redis lost it, so it can simply wait again.
    return [
      job.state === 'queued' ? { type: 'requeue', jobId: job.id, indices: [0] } : { type: 'lost', jobId: job.id },
    ];
  };

  return {
    async reconcile(jobs) {
      const open = new Set(jobs.map((j) => j.id));
      for (const id of orphanSince.keys()) if (!open.has(id)) orphanSince.delete(id);
      const actions: ReconcileAction[] = [];
      for (const job of jobs) {
        const probes = await probeBullJobs(
          options.client,
          options.jobKey,
          job.unsettled.map((u) => u.bullId),
        );
        if (job.kind === 'train') {
          if (probes[0]) actions.push(...(await reconcileTrain(job, probes[0])));
          continue;
        }
        const missing: number[] = [];
        for (const [i, u] of job.unsettled.entries()) {
          const p = probes[i]!;
          if (p.state === 'missing') missing.push(u.index);
          else if (p.state === 'completed')
            actions.push({ type: 'settle', jobId: job.id, index: u.index, returnvalue: p.returnvalue });
          else if (p.state === 'failed')
            actions.push({ type: 'settle', jobId: job.id, index: u.index, failedReason: p.failedReason });
        }
        if (missing.length > 0)
          actions.push({ type: job.cancelled ? 'drop' : 'requeue', jobId: job.id, indices: missing });
      }
      return actions;
    },
  };
}
