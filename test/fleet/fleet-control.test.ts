import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JobInfo, PROTOCOL_VERSION, ServerMessage } from '@activeseg/protocol';
import { type Job, Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApp } from '../../daemon/src/app.js';
import { composeProject } from '../../daemon/src/compose-project.js';
import { parseConfig } from '../../daemon/src/config.js';
import type { ReloadableModelEngine } from '../../daemon/src/engine/model-engine.js';
import { type FleetJobBackendOptions, fleetJobBackend } from '../../daemon/src/fleet/create-fleet-job-queue.js';
import { createRedisClient } from '../../daemon/src/fleet/create-redis-client.js';
import { batchJobId, FLEET_QUEUE, type InferBatchData, parseBatchJobId } from '../../daemon/src/fleet/fleet-jobs.js';
import { startFleetWorker } from '../../daemon/src/fleet/start-fleet-worker.js';
import type { JobBackend } from '../../daemon/src/jobs/job-backend.js';
import { selectBackend } from '../../daemon/src/model/backend.js';
import { startServer } from '../../daemon/src/server.js';
import { DEMO_IMAGE, type RedisServer, startRedis, trainTinyModel, until } from './fleet-fixture.js';

const TOKEN = 'fleet-control-token-0123';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

describe('fleet queue control: priorities and cancel', () => {
  let redis: RedisServer;
  let dir: string;
  let engine: ReloadableModelEngine;
  const cleanups: (() => Promise<unknown> | unknown)[] = [];

  const backend = (prefix: string, extra: Partial<FleetJobBackendOptions> = {}): JobBackend =>
    fleetJobBackend({ redisUrl: redis.url, prefix, engine, progressIntervalMs: 0, log: () => {}, ...extra });
  /** BullMQ leaves a passed connection open on close: ours are disconnected here, before redis-server stops. */
  const connection = () => {
    const c = createRedisClient(redis.url);
    cleanups.push(() => c.disconnect());
    return c;
  };
  const inspect = (prefix: string) => {
    const q = new Queue(FLEET_QUEUE, { connection: connection(), prefix });
    cleanups.push(() => q.close());
    return q;
  };

  beforeAll(async () => {
    redis = await startRedis();
    await selectBackend({ purpose: 'train', prefer: 'wasm' });
    dir = mkdtempSync(join(tmpdir(), 'activeseg-fleet-control-'));
    engine = await trainTinyModel(join(dir, 'models'));
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    await engine?.dispose();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('slide.subscribe over the WebSocket moves that slide’s waiting batches ahead; a worker then takes them first', async () => {
    const prefix = 'prio';
    const server = await startServer({
      projectDir: dir,
      token: TOKEN,
      engine,
      jobBackend: backend(prefix, { batchCells: 2 }),
      log: () => {},
    });
    cleanups.push(() => server.close());
    const api = async <T>(path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${server.origin}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { ...auth, origin: server.origin },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      return (await res.json()) as T;
    };
    // The demo image twice: two slides of 12 patches, 6 batches of 2 cells each.
    const slideA = (await api<{ id: string }>('/api/slides', { path: DEMO_IMAGE })).id;
    const slideB = (await api<{ id: string }>('/api/slides', { path: DEMO_IMAGE })).id;

    // No worker runs: every batch waits in BullMQ's prioritized set, A's first (FIFO at equal priority).
    const jobA = await api<JobInfo>('/api/jobs', { kind: 'infer', slideId: slideA });
    const jobB = await api<JobInfo>('/api/jobs', { kind: 'infer', slideId: slideB });
    const queue = inspect(prefix);
    await until('12 waiting batches', async () => ((await queue.getPrioritizedCount()) === 12 ? true : undefined));
    const order = async () => (await queue.getPrioritized(0, -1)).map((j) => (j.data as InferBatchData).slideId);
    expect(await order()).toEqual([...Array(6).fill(slideA), ...Array(6).fill(slideB)]);

    // A viewer opens slide B.
    const ws = new WebSocket(`${server.origin.replace('http', 'ws')}/ws?token=${TOKEN}`, { origin: server.origin });
    cleanups.push(() => ws.close());
    const frames: ServerMessage[] = [];
    ws.on('message', (data) => frames.push(ServerMessage.parse(JSON.parse(String(data)))));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION }));
    await until('welcome', () => (frames.some((f) => f.type === 'welcome') ? true : undefined));
    ws.send(JSON.stringify({ type: 'slide.subscribe', id: 'sub-1', slideIds: [slideB] }));

    const expected = [...Array(6).fill(slideB), ...Array(6).fill(slideA)];
    await until('slide B first in the queue', async () =>
      JSON.stringify(await order()) === JSON.stringify(expected) ? true : undefined,
    );
    const batches = await queue.getPrioritized(0, -1);
    expect(batches.map((j) => j.priority)).toEqual([...Array(6).fill(1), ...Array(6).fill(10)]);
    // Within the slide, batches keep their order.
    expect(batches.slice(0, 6).map((j) => parseBatchJobId(j.id ?? '')?.batch)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(frames.filter((f) => f.type === 'error')).toEqual([]);

    // One worker, started only now, takes batches in that order (a stub processor: order is what is tested).
    const taken: string[] = [];
    const worker = new Worker(
      FLEET_QUEUE,
      async (job: Job<InferBatchData>) => {
        taken.push(job.data.slideId);
        return { scored: 0 };
      },
      { connection: connection(), prefix, concurrency: 1 },
    );
    cleanups.push(() => worker.close());
    for (const id of [jobA.id, jobB.id]) {
      await until(`job ${id} done`, async () => (await api<JobInfo>(`/api/jobs/${id}`)).state === 'done' || undefined);
    }
    expect(taken).toEqual(expected);
  });

  it('POST /api/jobs/:id/cancel stops a running fleet inference: cancelled, waiting batches gone, no more rows', async () => {
    const prefix = 'cancel';
    const config = parseConfig({});
    const project = composeProject({
      projectDir: dir,
      config,
      engine,
      log: () => {},
      jobBackend: backend(prefix, { batchCells: 6 }),
    });
    cleanups.push(() => project.close());
    const app = createApp({ project, token: TOKEN, allowedOrigins: new Set(), log: () => {} });
    const api = async <T>(path: string, body?: unknown): Promise<{ status: number; body: T }> => {
      const res = await app.request(path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: auth,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as T };
    };
    const slideId = (await api<{ id: string }>('/api/slides', { path: DEMO_IMAGE })).body.id;
    const rows = () =>
      project.store.db
        .prepare<[string], { n: number }>('SELECT count(*) AS n FROM scores WHERE slide_id = ?')
        .get(slideId)?.n ?? 0;

    // One in-process worker on the same project (the daemon's code; no child process to start).
    const logs: string[] = [];
    const worker = await startFleetWorker({
      redisUrl: redis.url,
      projectDir: dir,
      engine,
      prefix,
      name: 'w-cancel',
      cancelPollMs: 100,
      log: (m) => logs.push(m),
    });
    cleanups.push(() => worker.close());

    const started = await api<JobInfo>('/api/jobs', { kind: 'infer', slideId });
    expect(started.status).toBe(202);
    const jobId = started.body.id;
    // Cancel once the worker has written a score row: batch 0 (6 cells) is running, batch 1 waits in Redis.
    await until('a first score row', () => (rows() > 0 ? true : undefined), 60_000);
    const queue = inspect(prefix);
    const pending = async () =>
      (await queue.getJobs(['prioritized', 'wait', 'delayed'])).filter(
        (j) => parseBatchJobId(j.id ?? '')?.jobId === jobId,
      ).length;
    expect(await pending()).toBeGreaterThan(0);

    const cancelled = await api<JobInfo>(`/api/jobs/${jobId}/cancel`, {});
    expect(cancelled.status).toBe(200);
    const final = await until('job cancelled', async () => {
      const j = (await api<JobInfo>(`/api/jobs/${jobId}`)).body;
      return j.state === 'cancelled' ? j : undefined;
    });
    expect(final.error?.code).toBe('JOB_CANCELLED');
    expect(await pending()).toBe(0);
    expect(await queue.getActiveCount()).toBe(0);

    const afterCancel = rows();
    expect(afterCancel).toBeGreaterThan(0);
    expect(afterCancel).toBeLessThan(6);
    // The running batch stopped between patches on the cancel key, and failed without a retry.
    const batch0 = await queue.getJob(batchJobId(jobId, 0));
    expect(batch0?.failedReason).toMatch(/^JOB_CANCELLED/);
    expect(batch0?.attemptsMade).toBe(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(rows()).toBe(afterCancel);
    // A second cancel of a finished job is refused.
    expect((await api(`/api/jobs/${jobId}/cancel`, {})).status).toBe(409);
    console.log(`[fleet-control] cancelled after ${afterCancel}/12 patches; worker log: ${logs.join(' | ')}`);
  });
});
