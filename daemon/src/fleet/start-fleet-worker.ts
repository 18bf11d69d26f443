import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { z } from 'zod';
import type { DaemonConfig } from '../config.js';
import type { ReloadableModelEngine } from '../engine/model-engine.js';
import { ApiError } from '../errors/api-error.js';
import { createJobRunners } from '../jobs/create-job-runners.js';
import { type GridCell, scoreCells } from '../jobs/infer-job.js';
import type { JobContext } from '../jobs/job-queue.js';
import { createProjectPaths } from '../project/project-paths.js';
import { createSlideCatalog } from '../project/slide-catalog.js';
import { openStore } from '../store/db.js';
import { createRedisClient } from './create-redis-client.js';
import {
  type BatchProgress,
  cancelKey,
  DEFAULT_FLEET_PREFIX,
  encodeFailure,
  FLEET_QUEUE,
  INFER_BATCH,
  InferBatchData,
  TRAIN,
  TrainData,
  type TrainProgressData,
} from './fleet-jobs.js';
import { DEFAULT_LEASE_MS, holdLease, leaseKey } from './job-lease.js';
import { createRedisOutageLog } from './redis-outage-log.js';

export interface StartFleetWorkerOptions {
  redisUrl: string;
  /** The shared project folder (same SQLite database, slides and models folder as the daemon). */
  projectDir: string;
  engine: ReloadableModelEngine;
  prefix?: string;
  /** Reported in logs and Redis CLIENT LIST. */
  name?: string;
  /** BullMQ lock: a batch whose worker stops renewing it for this long is taken over (worker death). */
  lockDurationMs?: number;
  /** How often this worker looks for stalled batches of dead workers. */
  stalledIntervalMs?: number;
  /** A batch may stall this many times before it fails for good. */
  maxStalledCount?: number;
  /** How often a running batch checks its job's cancel key. */
  cancelPollMs?: number;
  /**
   * The lease this worker keeps on the job it runs (renewed every third of it): after a Redis restart it tells the
   * daemon this worker is still on a job Redis forgot. The daemon's `leaseMs` must be at least this.
   */
  leaseMs?: number;
  config?: Pick<DaemonConfig, 'maxSlidePixels'>;
  log?: (message: string, err?: unknown) => void;
}

export interface FleetWorker {
  readonly name: string;
  close(): Promise<void>;
}

/**
 * An `activeseg worker`: takes inference batches and training jobs from the fleet queue and runs them with the
 * daemon's own code (`scoreCells`, the train runner) on the shared project, reporting through BullMQ progress.
 * One job at a time: scoring and training both saturate the device.
 */
export async function startFleetWorker(options: StartFleetWorkerOptions): Promise<FleetWorker> {
  const { engine } = options;
  const prefix = options.prefix ?? DEFAULT_FLEET_PREFIX;
  const name = options.name ?? `worker-${process.pid}`;
  const baseLog = options.log ?? ((m, e) => console.error(`[${name}] ${m}`, e ?? ''));
  const outage = createRedisOutageLog({ url: options.redisUrl, log: (m) => baseLog(m) });
  // Every failing Redis command during an outage (progress, cancel polls) would log; the outage log says it once.
  const log = (message: string, err?: unknown) =>
    err !== undefined && outage.handles(err) ? outage.error(err, message) : baseLog(message, err);
  const paths = createProjectPaths(options.projectDir);
  const store = openStore(paths.root);
  const slides = createSlideCatalog({
    slides: store.slides,
    paths,
    maxSlidePixels: options.config?.maxSlidePixels ?? 0,
  });
  const control = createRedisClient(options.redisUrl, outage);
  const pollMs = options.cancelPollMs ?? 250;

  const isCancelled = async (jobId: string) => (await control.get(cancelKey(prefix, jobId))) !== null;

  const throwIfCancelled = async (jobId: string) => {
    if (await isCancelled(jobId)) throw new ApiError('JOB_CANCELLED', 'cancelled by the user');
  };

  /** Aborts when the job's cancel key appears; `stop()` ends the polling. */
  const watchCancel = (jobId: string) => {
    const controller = new AbortController();
    const timer = setInterval(() => {
      isCancelled(jobId).then(
        (yes) => {
          if (yes) controller.abort(new ApiError('JOB_CANCELLED', 'cancelled by the user'));
        },
        (err: unknown) => log('cancel check failed', err),
      );
    }, pollMs);
    return { signal: controller.signal, stop: () => clearInterval(timer) };
  };

  let reloading: Promise<number> | undefined;
  const ensureVersion = async (wanted: number): Promise<void> => {
    if (engine.modelVersion() === wanted) return;
    reloading ??= engine.reload().finally(() => {
      reloading = undefined;
    });
    const have = await reloading;
    if (have !== wanted) {
      // The engine serves the newest version only; an older request means the daemon's job is stale.
      throw new ApiError('MODEL_NOT_READY', `worker ${name} holds model v${have}, the batch wants v${wanted}`);
    }
  };

  const runners = createJobRunners({
    engine,
    store,
    paths,
    slides,
    // The daemon reports to viewers from the workers' BullMQ progress; a worker has nobody to tell.
    events: { emit: () => {} },
    config: { patchSize: 512, blankPatchStd: 4 },
  });

  const inferBatch = async (job: Job, d: InferBatchData) => {
    await ensureVersion(d.modelVersion);
    const source = await slides.open(d.slideId);
    const watch = watchCancel(d.jobId);
    const started = Date.now();
    log(`batch ${job.id} (${d.cells.length} cells of ${d.slideId}) started, attempt ${job.attemptsMade + 1}`);
    let last: GridCell | undefined;
    try {
      const result = await scoreCells({
        slideId: d.slideId,
        source,
        engine,
        scores: store.scores,
        paths,
        patchSize: d.patchSize,
        blankPatchStd: d.blankPatchStd,
        ...(d.acquisition ? { acquisition: d.acquisition } : {}),
        signal: watch.signal,
        cells: d.cells,
        modelVersion: d.modelVersion,
        onPatchScored: (region, _version, z) => {
          last = { col: region.x / d.patchSize, row: region.y / d.patchSize, ...(z ? { z } : {}) };
        },
        onProgress: (done, total) => {
          if (done === 0) return;
          const progress: BatchProgress = { done, total, ...(last ? { cell: last } : {}) };
          last = undefined;
          job.updateProgress(progress).catch((err: unknown) => log('progress failed', err));
        },
      });
      log(`batch ${job.id} done in ${Date.now() - started} ms (${result.scored} scored)`);
      return result;
    } finally {
      watch.stop();
    }
  };

  const train = async (job: Job, { jobId, request }: TrainData) => {
    const watch = watchCancel(jobId);
    log(`training job ${jobId} started`);
    const ctx: JobContext = {
      id: jobId,
      signal: watch.signal,
      progress(done, total, detail) {
        const p: TrainProgressData = { done, total, ...(detail ? { detail } : {}) };
        job.updateProgress(p).catch((err: unknown) => log('progress failed', err));
      },
    };
    try {
      return (await runners.train(request, ctx)) ?? {};
    } finally {
      watch.stop();
    }
  };

  const connection = createRedisClient(options.redisUrl, outage);
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const worker = new Worker(
    FLEET_QUEUE,
    async (job: Job) => {
      // BullMQ always sets the id of a job taken from the queue; the daemon looks for the lease under it.
      const lease = holdLease({ client: control, key: leaseKey(prefix, job.id ?? job.name), holder: name, leaseMs });
      try {
        if (job.name === INFER_BATCH) {
          const data = parseJobData(InferBatchData, job);
          await throwIfCancelled(data.jobId);
          return await inferBatch(job, data);
        }
        if (job.name === TRAIN) {
          const data = parseJobData(TrainData, job);
          await throwIfCancelled(data.jobId);
          return await train(job, data);
        }
        throw new ApiError('BAD_REQUEST', `unknown fleet job "${job.name}"`);
      } catch (err) {
        // Errors that a retry cannot fix end the batch now; anything else is retried with backoff.
        if (err instanceof ApiError) throw new UnrecoverableError(encodeFailure(err.code, err.message));
        throw err;
      } finally {
        lease.release();
      }
    },
    {
      connection,
      prefix,
      name,
      concurrency: 1,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: options.maxStalledCount ?? 2,
    },
  );
  worker.on('error', (err) => outage.error(err, 'queue error'));
  await worker.waitUntilReady();

  return {
    name,
    async close() {
      await worker.close();
      connection.disconnect();
      control.disconnect();
      store.close();
    },
  };
}

/** Job data as the daemon enqueued it, or BAD_MESSAGE naming the fields (a retry would not mend it). */
function parseJobData<T>(schema: z.ZodType<T>, job: Job): T {
  const parsed = schema.safeParse(job.data);
  if (!parsed.success) {
    throw new ApiError('BAD_MESSAGE', `fleet job ${job.id} (${job.name}): ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
