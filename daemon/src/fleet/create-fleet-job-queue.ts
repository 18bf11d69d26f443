import type { ErrorCode, JobKind, JobState, Region, StartJobRequest } from '@activeseg/protocol';
import { type JobsOptions, Queue, QueueEvents, type RedisClient } from 'bullmq';
import { z } from 'zod';
import type { DaemonConfig } from '../config.js';
import type { ModelEngine } from '../engine/model-engine-api.js';
import { ApiError } from '../errors/api-error.js';
import { focusFirst } from '../jobs/focus-first.js';
import { gridCells } from '../jobs/infer-job.js';
import type { JobBackend } from '../jobs/job-backend.js';
import type { JobEventSink } from '../jobs/job-events.js';
import { getJobOrThrow, jobInfo, queuedJobRecord, sameWork } from '../jobs/job-info.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { createJobReporter, type ReportProgress } from '../jobs/job-reporter.js';
import { createTileUpdateCoalescer, type TileUpdateCoalescer } from '../jobs/tile-update-coalescer.js';
import type { ViewerFocus } from '../jobs/viewer-focus.js';
import { randomId } from '../project/random-id.js';
import type { SlideCatalog } from '../project/slide-catalog.js';
import type { JobRecord, JobsRepo } from '../store/jobs-repo.js';
import { createRedisClient } from './create-redis-client.js';
import {
  BatchProgress,
  batchJobId,
  cancelKey,
  DEFAULT_FLEET_PREFIX,
  decodeFailure,
  FLEET_QUEUE,
  FleetJobResult,
  INFER_BATCH,
  type InferBatchData,
  parseBatchJobId,
  TRAIN,
  type TrainData,
  TrainProgressData,
} from './fleet-jobs.js';
import { DEFAULT_LEASE_MS, leaseKey } from './job-lease.js';
import { createFleetReconciler, type ReconcileAction, type ReconcileJob } from './reconcile-fleet-jobs.js';
import { createRedisOutageLog } from './redis-outage-log.js';

export interface FleetJobQueueDeps {
  redisUrl: string;
  prefix?: string;
  jobs: JobsRepo;
  events: JobEventSink;
  slides: SlideCatalog;
  /** The daemon's engine: its current version is the one batches ask workers for. */
  engine: ModelEngine | null;
  config: Pick<DaemonConfig, 'patchSize' | 'blankPatchStd'>;
  /** Grid cells per batch: small enough that N workers share one slide, large enough to amortise a job. */
  batchCells?: number;
  /** Tries per batch (a batch that throws is retried with exponential backoff from `backoffMs`). */
  attempts?: number;
  backoffMs?: number;
  onOverlayChanged?(slideId: string, region: Region, modelVersion: number, z?: number): Promise<void>;
  /** What viewers are looking at: a slide's batches are cut from its grid with those cells first (BullMQ runs FIFO). */
  focus?: Pick<ViewerFocus, 'regions'>;
  /** After a worker trained a new version (the daemon reloads its engine to follow). */
  onModelTrained?(modelVersion: number): Promise<void>;
  progressIntervalMs?: number;
  tilesUpdateIntervalMs?: number;
  /** The model version a train job wrote (its `model_versions` row), found when its completion event was lost. */
  trainedVersionOf?(jobId: string): number | undefined;
  /** How often open jobs are compared with Redis (also right after Redis comes back). */
  reconcileIntervalMs?: number;
  /** How long a train job gone from Redis may lack a worker's lease before it is lost: ≥ the workers' `--lease-ms`. */
  leaseMs?: number;
  log?: (message: string, err?: unknown) => void;
}

/** What a caller still chooses once a project supplies its store, event sink, slides, config and overlay hook. */
export type FleetJobBackendOptions = Omit<
  FleetJobQueueDeps,
  'jobs' | 'events' | 'slides' | 'config' | 'onOverlayChanged' | 'engine' | 'focus'
> & {
  /** Defaults to the project's engine. */
  engine?: ModelEngine | null;
};

/** The fleet queue as a project's job backend (`composeProject({ jobBackend })`), wired to the project's own parts. */
export function fleetJobBackend(options: FleetJobBackendOptions): JobBackend {
  return (d) =>
    createFleetJobQueue({
      ...options,
      jobs: d.store.jobs,
      events: d.events,
      slides: d.slides,
      config: d.config,
      engine: options.engine === undefined ? d.engine : options.engine,
      onOverlayChanged: d.onOverlayChanged,
      ...(d.focus ? { focus: d.focus } : {}),
      trainedVersionOf: (jobId) => d.store.modelVersions.list().find((v) => v.jobId === jobId)?.version,
    });
}

export interface FleetJobQueue extends JobQueue {
  /**
   * Moves the waiting batches of these slides (and of their later jobs) ahead of all others: the slides a person
   * is looking at. Replaces the previous focus; an empty list clears it. Called on every `slide.subscribe`.
   */
  prioritize(slideIds: readonly string[]): Promise<void>;
}

/** BullMQ priorities: lower runs first; 0 would mean "no priority" (ahead of all), so we never use it. */
const PRIORITY_FOCUSED = 1;
const PRIORITY_NORMAL = 10;

interface Tracked {
  id: string;
  kind: JobKind;
  request: StartJobRequest;
  state: JobState;
  batches: number;
  /** Per-batch cells done (the latest report: a retried batch restarts from 0). */
  batchDone: Map<number, number>;
  settled: Set<number>;
  total: number;
  modelVersion: number;
  /** Slide size, to clip edge patches' regions as the embedded queue does. */
  width: number;
  height: number;
  /** Throttled `job.progress` with an ETA counted from when the job was accepted. */
  progress: ReportProgress;
  cancelled: boolean;
  error?: { code: ErrorCode; message: string };
  trainedVersion?: number;
  /** The worker's training kept its version aside (not current), and why. */
  kept?: { promoted: boolean; warning?: string };
  /** What was added to BullMQ per batch, kept so a batch Redis lost can be added again. */
  adds?: { name: string; data: InferBatchData | TrainData; opts: JobsOptions }[];
  /** Inference jobs: the cells workers scored, batched into `tiles.updated`. */
  tiles?: TileUpdateCoalescer;
}

/**
 * The daemon's job queue when it runs with `--redis`: the same JobQueue contract as the embedded queue (states in
 * `jobs`, `job.state` / `job.progress` / `tiles.updated` events, one job reporter), but the work is enqueued on BullMQ for
 * `activeseg worker` processes. An inference job becomes batches of grid cells so several workers share one slide;
 * QueueEvents relay the workers' progress back to viewers.
 */
export function createFleetJobQueue(deps: FleetJobQueueDeps): FleetJobQueue {
  const { jobs, events: sink } = deps;
  const prefix = deps.prefix ?? DEFAULT_FLEET_PREFIX;
  const log = deps.log ?? ((m, e) => console.error(m, e ?? ''));
  const iso = () => new Date().toISOString();
  const tilesMs = deps.tilesUpdateIntervalMs ?? 500;
  const batchCells = deps.batchCells ?? 4;

  const reporter = createJobReporter({
    jobs,
    events: sink,
    ...(deps.progressIntervalMs === undefined ? {} : { progressIntervalMs: deps.progressIntervalMs }),
  });
  for (const id of reporter.failInterrupted()) {
    log(`job ${id} was interrupted by a daemon restart; marked failed`);
  }

  const outage = createRedisOutageLog({ url: deps.redisUrl, log: (m) => log(`fleet: ${m}`) });
  const clients: RedisClient[] = [];
  const client = () => {
    const c = createRedisClient(deps.redisUrl, outage);
    clients.push(c);
    return c;
  };
  const queue = new Queue(FLEET_QUEUE, { connection: client(), prefix });
  queue.on('error', (err) => outage.error(err, 'fleet queue error'));
  const control = client();
  const tracked = new Map<string, Tracked>();
  let focused = new Set<string>();
  /** Priority changes run one after another, so the latest focus is the one left in Redis. */
  let priorityChain: Promise<void> = Promise.resolve();
  let idleWaiters: (() => void)[] = [];

  // Start reading events from the stream's current end: nothing a job of ours emits can be missed, however soon
  // after enqueueing it happens, and a restart does not replay old history.
  let events: QueueEvents | undefined;
  const ready = (async () => {
    await control.connect();
    const last =
      (await (control as unknown as { xrevrange(...a: unknown[]): Promise<[string, string[]][]> }).xrevrange(
        `${prefix}:${FLEET_QUEUE}:events`,
        '+',
        '-',
        'COUNT',
        1,
      )) ?? [];
    events = new QueueEvents(FLEET_QUEUE, { connection: client(), prefix, lastEventId: last[0]?.[0] ?? '0-0' });
    events.on('error', (err) => outage.error(err, 'fleet events error'));
    events.on('active', ({ jobId }) => onActive(jobId));
    events.on('progress', ({ jobId, data }) => onProgress(jobId, data));
    events.on('completed', ({ jobId, returnvalue }) => onSettled(jobId, returnvalue, undefined));
    events.on('failed', ({ jobId, failedReason }) => onSettled(jobId, undefined, failedReason));
    await events.waitUntilReady();
  })();
  ready.catch((err: unknown) => log('cannot reach Redis for the fleet queue', err));

  const info = jobInfo;
  const mustGet = (id: string): JobRecord => getJobOrThrow(jobs, id);

  const transition = (t: Tracked, state: JobState, extra?: Parameters<typeof reporter.transition>[3]) => {
    t.state = state;
    reporter.transition(t.id, t.kind, state, extra);
  };

  const ownerOf = (bullId: string): { t: Tracked; batch: number } | undefined => {
    const parsed = parseBatchJobId(bullId);
    const t = tracked.get(parsed?.jobId ?? bullId);
    return t ? { t, batch: parsed?.batch ?? 0 } : undefined;
  };

  /** A message that fails its schema is dropped with a log line naming the job and the fields. */
  const badMessage = (bullId: string, what: string, error: z.ZodError): void => {
    log(`fleet job ${bullId}: ignoring a malformed ${what}: ${z.prettifyError(error)}`);
  };

  const onActive = (bullId: string) => {
    const o = ownerOf(bullId);
    if (o && o.t.state === 'queued') transition(o.t, 'running');
  };

  const onProgress = (bullId: string, data: unknown) => {
    const o = ownerOf(bullId);
    if (!o || o.t.cancelled) return;
    const { t, batch } = o;
    if (t.state === 'queued') transition(t, 'running');
    if (t.request.kind === 'train') {
      const parsed = TrainProgressData.safeParse(data);
      if (!parsed.success) return badMessage(bullId, 'progress', parsed.error);
      t.progress(parsed.data.done, parsed.data.total, parsed.data.detail);
      return;
    }
    const parsed = BatchProgress.safeParse(data);
    if (!parsed.success) return badMessage(bullId, 'progress', parsed.error);
    const p = parsed.data;
    t.batchDone.set(batch, p.done);
    if (p.cell) {
      const size = deps.config.patchSize;
      const x = p.cell.col * size;
      const y = p.cell.row * size;
      const region: Region = { x, y, width: Math.min(size, t.width - x), height: Math.min(size, t.height - y) };
      void deps.onOverlayChanged?.(t.request.slideId, region, t.modelVersion, p.cell.z ?? 0);
      t.tiles?.add(region, t.modelVersion, p.cell.z ?? 0);
    }
    let done = 0;
    for (const n of t.batchDone.values()) done += n;
    t.progress(Math.min(done, t.total), t.total);
  };

  const onSettled = (bullId: string, returnvalue: unknown, failedReason: string | undefined) => {
    const o = ownerOf(bullId);
    if (!o || o.t.settled.has(o.batch)) return;
    const { t, batch } = o;
    o.t.settled.add(batch);
    if (failedReason !== undefined && !t.error && !t.cancelled) {
      t.error = decodeFailure(failedReason);
      // One batch lost for good fails the job: stop the rest rather than leave a half-scored slide running.
      void stopBatches(t);
    }
    if (failedReason === undefined && t.kind === 'train') {
      const parsed = FleetJobResult.safeParse(returnvalue ?? {});
      if (!parsed.success) badMessage(bullId, 'return value', parsed.error);
      else if (parsed.data.modelVersion !== undefined) {
        t.trainedVersion = parsed.data.modelVersion;
        if (parsed.data.promoted !== undefined) {
          t.kept = {
            promoted: parsed.data.promoted,
            ...(parsed.data.warning === undefined ? {} : { warning: parsed.data.warning }),
          };
        }
      }
    }
    if (failedReason === undefined && t.kind === 'infer') t.batchDone.set(batch, batchSize(t, batch));
    if (t.settled.size === t.batches) void finish(t);
  };

  const batchSize = (t: Tracked, batch: number) => Math.min(batchCells, t.total - batch * batchCells);

  const finish = async (t: Tracked) => {
    tracked.delete(t.id);
    if (t.cancelled) {
      transition(t, 'cancelled', { error: t.error ?? { code: 'JOB_CANCELLED', message: 'cancelled by the user' } });
    } else if (t.error) {
      transition(t, 'failed', { error: t.error });
    } else if (t.request.kind === 'infer') {
      t.tiles?.flush();
      t.progress(t.total, t.total);
      sink.emit({ type: 'suggestions.updated', slideId: t.request.slideId, modelVersion: t.modelVersion });
      transition(t, 'done', { modelVersion: t.modelVersion });
    } else {
      const previous = deps.engine?.modelVersion() ?? 0;
      if (t.trainedVersion !== undefined) {
        await deps.onModelTrained?.(t.trainedVersion).catch((err: unknown) => log('reload after training', err));
      }
      // The worker's events go nowhere: the daemon announces a version its engine now serves.
      const now = deps.engine?.modelVersion() ?? 0;
      if (now !== previous) sink.emit({ type: 'model.current', modelVersion: now, previous });
      transition(t, 'done', t.trainedVersion === undefined ? {} : { modelVersion: t.trainedVersion, ...t.kept });
    }
    if (tracked.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  };

  const bullIds = (t: Tracked): string[] =>
    t.kind === 'train' ? [t.id] : Array.from({ length: t.batches }, (_, i) => batchJobId(t.id, i));

  /** Cancel key for running batches, removal for waiting ones; removed batches settle here. */
  const stopBatches = async (t: Tracked) => {
    await control.set(cancelKey(prefix, t.id), '1', { EX: 3600 });
    for (const [i, id] of bullIds(t).entries()) {
      if (t.settled.has(i)) continue;
      const removed = await queue.remove(id).catch(() => 0);
      if (removed === 1 && !t.settled.has(i)) {
        t.settled.add(i);
        if (t.settled.size === t.batches) void finish(t);
      }
    }
  };

  const priorityOf = (slideId: string) => (focused.has(slideId) ? PRIORITY_FOCUSED : PRIORITY_NORMAL);

  /** Gives the job's unsettled batches the priority its slide has now (waiting ones move in BullMQ's set). */
  const applyPriority = async (t: Tracked) => {
    if (t.request.kind !== 'infer' || t.cancelled) return;
    const ids = bullIds(t).filter((_, i) => !t.settled.has(i));
    for (let i = 0; i < ids.length; i += 200) {
      const priority = priorityOf(t.request.slideId);
      const found = await Promise.all(ids.slice(i, i + 200).map((id) => queue.getJob(id)));
      // Started in batch order on one connection, so batches stay FIFO within their new priority. For a running
      // or delayed (backing-off) batch only its priority field changes, which a retry then uses.
      await Promise.all(
        found.map((job) =>
          job && job.priority !== priority ? job.changePriority({ priority }).catch(() => {}) : undefined,
        ),
      );
    }
  };

  const reprioritize = (jobsToChange: Tracked[]): Promise<void> => {
    const run = priorityChain.then(async () => {
      for (const t of jobsToChange) await applyPriority(t);
    });
    priorityChain = run.catch((err: unknown) => log('changing batch priorities failed', err));
    return run;
  };

  const enqueue = async (t: Tracked) => {
    await ready;
    const request = t.request;
    if (request.kind === 'train') {
      const data: TrainData = { jobId: t.id, request };
      const opts: JobsOptions = {
        jobId: t.id,
        priority: PRIORITY_NORMAL,
        attempts: 1,
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 86_400 },
      };
      await queue.add(TRAIN, data, opts);
      t.adds = [{ name: TRAIN, data, opts }];
      return;
    }
    if (!deps.engine || deps.engine.modelVersion() === 0) {
      throw new ApiError('MODEL_NOT_READY', 'no trained model yet: annotate regions and start a training job');
    }
    const source = await deps.slides.open(request.slideId);
    const size = deps.config.patchSize;
    const cells = focusFirst(gridCells(source, size, request.z), deps.focus?.regions(request.slideId) ?? [], size);
    t.total = cells.length;
    t.width = source.width;
    t.height = source.height;
    t.modelVersion = deps.engine.modelVersion();
    t.batches = Math.ceil(cells.length / batchCells);
    const priority = priorityOf(request.slideId);
    const jobsToAdd: NonNullable<Tracked['adds']> = [];
    for (let b = 0; b < t.batches; b++) {
      const data: InferBatchData = {
        jobId: t.id,
        slideId: request.slideId,
        modelVersion: t.modelVersion,
        ...(request.acquisition ? { acquisition: request.acquisition } : {}),
        cells: cells.slice(b * batchCells, (b + 1) * batchCells),
        batch: b,
        batches: t.batches,
        patchSize: deps.config.patchSize,
        blankPatchStd: deps.config.blankPatchStd,
      };
      jobsToAdd.push({
        name: INFER_BATCH,
        data,
        opts: {
          jobId: batchJobId(t.id, b),
          priority,
          attempts: deps.attempts ?? 3,
          backoff: { type: 'exponential', delay: deps.backoffMs ?? 1000 },
          removeOnComplete: { age: 3600 },
          removeOnFail: { age: 86_400 },
        },
      });
    }
    t.progress(0, t.total);
    await queue.addBulk(jobsToAdd);
    t.adds = jobsToAdd;
    // A viewer's focus that changed while the batches were being added did not see them: apply it now.
    if (priorityOf(request.slideId) !== priority) await reprioritize([t]);
  };

  const reconciler = createFleetReconciler({
    client: control,
    jobKey: (id) => queue.toKey(id),
    leaseKey: (id) => leaseKey(prefix, id),
    trainedVersionOf: (jobId) => deps.trainedVersionOf?.(jobId),
    leaseMs: deps.leaseMs ?? DEFAULT_LEASE_MS,
  });

  const applyReconcile = async (a: ReconcileAction) => {
    const t = tracked.get(a.jobId);
    if (!t) return;
    switch (a.type) {
      case 'settle':
        onSettled(bullIds(t)[a.index]!, a.returnvalue, a.failedReason);
        return;
      case 'requeue': {
        const adds = a.indices.map((i) => t.adds![i]!);
        log(`job ${t.id}: Redis lost ${adds.length} of its batches; enqueued them again`);
        for (const i of a.indices) t.batchDone.delete(i);
        const priority = t.request.kind === 'infer' ? priorityOf(t.request.slideId) : PRIORITY_NORMAL;
        await queue.addBulk(adds.map((add) => ({ ...add, opts: { ...add.opts, priority } })));
        return;
      }
      case 'drop':
        for (const i of a.indices) t.settled.add(i);
        if (t.settled.size === t.batches) await finish(t);
        return;
      case 'trained':
        log(`job ${t.id}: its model v${a.version} was written but the completion was lost with Redis; adopting it`);
        onSettled(t.id, { modelVersion: a.version }, undefined);
        return;
      case 'lost':
        log(`job ${t.id}: gone from Redis and no worker holds it; failed (FLEET_JOB_LOST)`);
        t.error = {
          code: 'FLEET_JOB_LOST',
          message: 'Redis restarted without this job and no worker finished it; start it again',
        };
        t.settled = new Set(Array.from({ length: t.batches }, (_, i) => i));
        await finish(t);
        return;
    }
  };

  /** One pass at a time; skipped while Redis is down (its commands would only queue up). */
  let reconciling = false;
  const reconcile = async () => {
    if (reconciling || outage.down) return;
    reconciling = true;
    try {
      // Only jobs whose batches reached Redis: those exist only once `ready` resolved.
      const open: ReconcileJob[] = [...tracked.values()]
        .filter((t) => t.adds !== undefined)
        .map((t) => ({
          id: t.id,
          kind: t.kind,
          state: t.state,
          cancelled: t.cancelled,
          unsettled: bullIds(t)
            .map((bullId, index) => ({ index, bullId }))
            .filter((u) => !t.settled.has(u.index)),
        }));
      if (open.length === 0) return;
      for (const a of await reconciler.reconcile(open)) await applyReconcile(a);
      // A cancel key set before Redis restarted is gone: set it again so running batches still stop.
      for (const t of tracked.values()) {
        if (t.cancelled) await control.set(cancelKey(prefix, t.id), '1', { EX: 3600 });
      }
    } catch (err) {
      log('fleet: comparing jobs with Redis failed', err);
    } finally {
      reconciling = false;
    }
  };
  const reconcileTimer = setInterval(() => void reconcile(), deps.reconcileIntervalMs ?? 10_000);
  reconcileTimer.unref();
  outage.onBack(() => void reconcile());

  return {
    start(request) {
      const dup = [...tracked.values()].find((t) => sameWork(t.request, request));
      if (dup) throw new ApiError('JOB_ALREADY_RUNNING', `an equivalent ${request.kind} job (${dup.id}) is pending`);
      const id = randomId('jb');
      const record = queuedJobRecord(id, request, iso());
      reporter.queued(record);
      const t: Tracked = {
        id,
        kind: request.kind,
        request,
        state: 'queued',
        batches: 1,
        batchDone: new Map(),
        settled: new Set(),
        total: 0,
        modelVersion: 0,
        width: 0,
        height: 0,
        progress: reporter.progressOf(id, request.kind),
        cancelled: false,
        ...(request.kind === 'infer'
          ? { tiles: createTileUpdateCoalescer({ events: sink, slideId: request.slideId, intervalMs: tilesMs }) }
          : {}),
      };
      tracked.set(id, t);
      enqueue(t).catch((err: unknown) => {
        if (!(err instanceof ApiError)) log(`job ${id} could not be enqueued`, err);
        t.error =
          err instanceof ApiError
            ? { code: err.code, message: err.message }
            : { code: 'INTERNAL', message: `fleet queue: ${err instanceof Error ? err.message : String(err)}` };
        t.settled = new Set(Array.from({ length: t.batches }, (_, i) => i));
        void finish(t);
      });
      return info(record);
    },
    cancel(jobId) {
      const record = mustGet(jobId);
      const t = tracked.get(jobId);
      if (!t) throw new ApiError('JOB_NOT_CANCELLABLE', `job ${jobId} is already ${record.state}`, 'jobId');
      if (!t.cancelled) {
        t.cancelled = true;
        stopBatches(t).catch((err: unknown) => log(`cancelling job ${jobId}`, err));
      }
      return info(record);
    },
    get: (jobId) => info(mustGet(jobId)),
    idle: () => (tracked.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    async prioritize(slideIds) {
      const next = new Set(slideIds);
      const changed = new Set([...next, ...focused].filter((id) => next.has(id) !== focused.has(id)));
      focused = next;
      if (changed.size === 0) return;
      await ready;
      await reprioritize(
        [...tracked.values()].filter((t) => t.request.kind === 'infer' && changed.has(t.request.slideId)),
      );
    },
    async close() {
      clearInterval(reconcileTimer);
      for (const t of [...tracked.values()]) {
        if (!t.cancelled) {
          t.cancelled = true;
          t.error = { code: 'JOB_CANCELLED', message: 'daemon stopping' };
          await stopBatches(t).catch((err: unknown) => log(`cancelling job ${t.id}`, err));
        }
        if (tracked.has(t.id)) {
          tracked.delete(t.id);
          transition(t, 'cancelled', { error: t.error ?? { code: 'JOB_CANCELLED', message: 'daemon stopping' } });
        }
      }
      await ready.catch(() => {});
      await events?.close();
      await queue.close();
      for (const c of clients) c.disconnect();
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    },
  };
}
