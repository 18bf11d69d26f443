import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Job, Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../daemon/src/config.js';
import type { ReloadableModelEngine } from '../../daemon/src/engine/model-engine.js';
import { createFleetJobQueue } from '../../daemon/src/fleet/create-fleet-job-queue.js';
import { createRedisClient } from '../../daemon/src/fleet/create-redis-client.js';
import { FLEET_QUEUE, INFER_BATCH } from '../../daemon/src/fleet/fleet-jobs.js';
import { startFleetWorker } from '../../daemon/src/fleet/start-fleet-worker.js';
import type { JobEvent } from '../../daemon/src/jobs/job-events.js';
import { createProjectPaths } from '../../daemon/src/project/project-paths.js';
import { createSlideCatalog } from '../../daemon/src/project/slide-catalog.js';
import { openStore } from '../../daemon/src/store/db.js';
import { type RedisServer, startRedis, until } from './fleet-fixture.js';

/** Messages over Redis may come from another version of the code: each side parses what it receives. */
describe('fleet messages are parsed on receipt', () => {
  let redis: RedisServer;
  let dir: string;
  const cleanups: (() => Promise<unknown> | unknown)[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'activeseg-fleet-messages-'));
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the daemon drops a malformed progress payload and return value with a log line, and still finishes the job', async () => {
    const paths = createProjectPaths(join(dir, 'daemon'));
    const store = openStore(paths.root);
    cleanups.push(() => store.close());
    const events: JobEvent[] = [];
    const logs: string[] = [];
    const queue = createFleetJobQueue({
      redisUrl: redis.url,
      prefix: 'msgs',
      jobs: store.jobs,
      events: { emit: (e) => events.push(e) },
      slides: createSlideCatalog({ slides: store.slides, paths, maxSlidePixels: 0 }),
      engine: null,
      config: parseConfig({}),
      progressIntervalMs: 0,
      log: (m) => logs.push(m),
    });
    cleanups.push(() => queue.close());
    // A worker of another version: its progress counts are strings and it names the version as a string.
    const connection = createRedisClient(redis.url);
    cleanups.push(() => connection.disconnect());
    const worker = new Worker(
      FLEET_QUEUE,
      async (job: Job) => {
        await job.updateProgress({ done: 'one', total: 3 });
        await job.updateProgress({ done: 2, total: 3, detail: { epoch: 2, loss: 0.5 } });
        return { modelVersion: 'seven' };
      },
      { connection, prefix: 'msgs' },
    );
    cleanups.push(() => worker.close());

    const started = queue.start({ kind: 'train', mode: 'finetune' });
    const end = await until('the job to settle', () =>
      events.find(
        (e) => e.type === 'job.state' && e.jobId === started.id && e.state !== 'queued' && e.state !== 'running',
      ),
    );

    expect(end).toEqual({ type: 'job.state', jobId: started.id, kind: 'train', state: 'done' });
    const progress = events.filter((e) => e.type === 'job.progress');
    expect(progress).toEqual([expect.objectContaining({ done: 2, total: 3, detail: { epoch: 2, loss: 0.5 } })]);
    expect(logs.filter((m) => m.includes('ignoring a malformed progress'))).toHaveLength(1);
    expect(logs.some((m) => m.includes('ignoring a malformed return value') && m.includes('modelVersion'))).toBe(true);
    expect(store.jobs.get(started.id)).toMatchObject({ state: 'done', progressDone: 2, progressTotal: 3 });
  });

  it('a worker fails a batch whose data breaks the schema with BAD_MESSAGE naming the field, without retrying it', async () => {
    const engine = {
      backendName: 'none',
      modelVersion: () => 0,
      reload: async () => 0,
    } as unknown as ReloadableModelEngine;
    const worker = await startFleetWorker({
      redisUrl: redis.url,
      projectDir: join(dir, 'worker'),
      engine,
      prefix: 'bad',
      log: () => {},
    });
    cleanups.push(() => worker.close());
    const connection = createRedisClient(redis.url);
    cleanups.push(() => connection.disconnect());
    const queue = new Queue(FLEET_QUEUE, { connection, prefix: 'bad' });
    cleanups.push(() => queue.close());

    const job = await queue.add(
      INFER_BATCH,
      { jobId: 'jb_old', slideId: 'sl_1', modelVersion: 1, cells: 'all', batch: 0, batches: 1, patchSize: 512 },
      { attempts: 3 },
    );
    const failed = await until('the batch to fail', async () => {
      const j = await queue.getJob(job.id!);
      return j?.failedReason ? j : undefined;
    });
    expect(failed.failedReason).toMatch(/^BAD_MESSAGE: fleet job .* \(infer-batch\): /);
    expect(failed.failedReason).toContain('cells');
    expect(failed.failedReason).toContain('blankPatchStd');
    expect(failed.attemptsMade).toBe(1);
  });
});
