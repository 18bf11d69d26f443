import { join } from 'node:path';
import { JobInfo, SlideInfo } from '@activeseg/protocol';
import { createRng, type Rng } from '@activeseg/shared';
import { type RedisServer, spawnWorker, startRedis, type WorkerProcess } from '../../fleet/fleet-fixture.js';
import { DEMO_SLIDE } from './fuzz-target.js';
import type { FaultReport } from './run-faults.js';
import { type DaemonProcess, spawnDaemon } from './spawn-daemon.js';
import { integrityCheck } from './store-digest.js';

/** Shortened lease and reconcile interval (defaults 30 s / 10 s), so a lost job is noticed within seconds. */
const LEASE_MS = 3000;
const RECONCILE_MS = 500;
/** How long Redis stays down per fault (the 5 s outage). */
const OUTAGE_MS = 5000;
/** A job that is not `done`/`failed`/`cancelled` this long after Redis is back counts as stranded. */
const END_TIMEOUT_MS = 180_000;
const TRAIN_EPOCHS = 12;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FINAL = new Set(['done', 'failed', 'cancelled']);

interface Fleet {
  redis: RedisServer;
  daemon: DaemonProcess;
  worker: WorkerProcess;
  slide: SlideInfo;
  close(): Promise<void>;
}

async function api<T>(d: DaemonProcess, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${d.origin}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: d.headers(),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const job = async (d: DaemonProcess, id: string) => JobInfo.parse((await api(d, `/api/jobs/${id}`)).body);

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** redis-server (no persistence), the daemon with `--redis` (real tiny engine), one `activeseg worker`, a slide with 4 annotations. */
async function startFleet(projectDir: string): Promise<Fleet> {
  const redis = await startRedis();
  const worker = spawnWorker({
    name: 'w1',
    redisUrl: redis.url,
    projectDir,
    args: ['--lease-ms', String(LEASE_MS), '--preset', 'tiny'],
  });
  const daemon = await spawnDaemon({
    projectDir,
    engine: 'tiny',
    logs: true,
    redis: { url: redis.url, leaseMs: LEASE_MS, reconcileIntervalMs: RECONCILE_MS },
  });
  await worker.waitFor(/ready/, 120_000);
  const slide = SlideInfo.parse((await api(daemon, '/api/slides', { path: DEMO_SLIDE })).body);
  for (let i = 0; i < 4; i++) {
    const side = 96;
    await api(daemon, '/api/annotations', {
      slideId: slide.id,
      region: { x: 512 * (i % 3), y: 100 + 512 * Math.floor(i / 3), width: side, height: side },
      mask: { encoding: 'rle', counts: [side * 40, side * 20, side * 36] },
      clientId: `redis-fault-${i}-xxxx`,
    });
  }
  return {
    redis,
    daemon,
    worker,
    slide,
    async close() {
      await daemon.kill('SIGTERM');
      await worker.stop();
      await redis.stop();
    },
  };
}

/** The model version the daemon serves now (its bundle export names it). */
async function daemonModelVersion(d: DaemonProcess): Promise<number> {
  const res = await fetch(`${d.origin}/api/models/current/bundle.tar`, { headers: d.headers() });
  await res.body?.cancel();
  return res.status === 200 ? Number(res.headers.get('x-model-version')) : 0;
}

async function modelRowOf(projectDir: string, jobId: string): Promise<number | undefined> {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(join(projectDir, 'activeseg.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT version FROM model_versions WHERE job_id = ?').get(jobId) as
      | { version: number }
      | undefined;
    return row?.version;
  } finally {
    db.close();
  }
}

/** A worker's normal account of its work, which goes on during an outage and is not about Redis. */
const WORK_LINE = /\] (batch \S+ \(\d+ cells|batch \S+ done in|training job \S+ started)/;
const outageLines = (lines: string[]) => lines.filter((l) => l.trim() !== '' && !WORK_LINE.test(l));

/** Lines a process wrote between two snapshots of its log (whole lines only). */
const newLines = (before: string, after: string): string[] =>
  outageLines((after.startsWith(before) ? after.slice(before.length) : after).split('\n'));

interface Outage {
  /** Whether the job was still running when Redis was killed. */
  midFlight: boolean;
  restartedAt: number;
  daemonLines: string[];
  workerLines: string[];
}

/** SIGKILLs redis-server, keeps it down OUTAGE_MS, starts it again empty; collects both processes' log lines. */
async function crashRedis(f: Fleet, jobId: string): Promise<Outage> {
  const midFlight = (await job(f.daemon, jobId)).state === 'running';
  const daemonBefore = f.daemon.stderr();
  const workerBefore = f.worker.lines.length;
  await f.redis.crash();
  await sleep(OUTAGE_MS);
  await f.redis.restart();
  const restartedAt = Date.now();
  // Reconnects land within ioredis' 2 s backoff; the lines of that burst belong to this outage.
  await sleep(3000);
  return {
    midFlight,
    restartedAt,
    daemonLines: newLines(daemonBefore, f.daemon.stderr()),
    workerLines: outageLines(f.worker.lines.slice(workerBefore)),
  };
}

function emptyReport(scenario: FaultReport['scenario']): FaultReport {
  return {
    scenario,
    kills: 0,
    killsMidFlight: 0,
    integrityFailures: [],
    ms: 0,
    jobsWrongState: [],
    jobsRecovered: 0,
    recoverMs: [],
    newJobsRefused: [],
    outageLogLines: { daemon: [], worker: [] },
    outageLogSample: [],
  };
}

function recordOutage(report: FaultReport, o: Outage) {
  report.kills++;
  if (o.midFlight) report.killsMidFlight++;
  report.outageLogLines!.daemon.push(o.daemonLines.length);
  report.outageLogLines!.worker.push(o.workerLines.length);
  if (report.outageLogSample!.length === 0) report.outageLogSample = [...o.daemonLines, ...o.workerLines].slice(0, 20);
}

/** Why the last `waitEnd` gave up (its deadline, or the daemon not answering), for the failure message. */
let lastWaitError = '';

async function waitEnd(d: DaemonProcess, id: string): Promise<JobInfo | undefined> {
  return waitFor(
    `job ${id} to end`,
    async () => {
      const j = await job(d, id);
      return FINAL.has(j.state) ? j : undefined;
    },
    END_TIMEOUT_MS,
  ).catch((err: unknown) => {
    lastWaitError = err instanceof Error ? err.message : String(err);
    return undefined;
  });
}

async function startTrain(d: DaemonProcess): Promise<{ status: number; job?: JobInfo }> {
  const r = await api<unknown>(d, '/api/jobs', { kind: 'train', mode: 'scratch', epochs: TRAIN_EPOCHS });
  return { status: r.status, ...(r.status === 202 ? { job: JobInfo.parse(r.body) } : {}) };
}

async function startInfer(d: DaemonProcess, slideId: string): Promise<{ status: number; job?: JobInfo }> {
  const r = await api<unknown>(d, '/api/jobs', { kind: 'infer', slideId });
  return { status: r.status, ...(r.status === 202 ? { job: JobInfo.parse(r.body) } : {}) };
}

/** Waits until the job reports progress, then a random moment more, so the kill lands mid-job. */
async function midJob(d: DaemonProcess, id: string, rng: Rng) {
  await waitFor(
    `progress of ${id}`,
    async () => {
      const j = await job(d, id);
      return j.progress.done > 0 || FINAL.has(j.state) ? true : undefined;
    },
    120_000,
  );
  await sleep(rng.int(300));
}

interface RestartScenario {
  kind: 'train' | 'infer';
  start(): Promise<{ status: number; job?: JobInfo }>;
  /** Undefined when job `id` ended as it should after the outage; otherwise what is wrong, for the report. */
  judge(id: string, end: JobInfo | undefined): Promise<string | undefined>;
}

/**
 * The kill-and-restart loop both scenarios share: start a job, SIGKILL redis-server mid-job and restart it empty,
 * judge how the job ended, then check the next job of the kind is accepted (not 409); cancel that last one and
 * check the project's database.
 */
async function restartLoop(
  f: Fleet,
  report: FaultReport,
  options: { projectDir: string; iterations: number; rng: Rng },
  scenario: RestartScenario,
) {
  const { iterations, rng } = options;
  let next = await scenario.start();
  for (let it = 0; it < iterations; it++) {
    if (!next.job) {
      report.newJobsRefused!.push(`${scenario.kind}: ${next.status}`);
      break;
    }
    const id = next.job.id;
    await midJob(f.daemon, id, rng);
    const o = await crashRedis(f, id);
    recordOutage(report, o);
    const end = await waitEnd(f.daemon, id);
    const wrong = await scenario.judge(id, end);
    if (wrong === undefined) {
      report.jobsRecovered!++;
      report.recoverMs!.push(Date.now() - o.restartedAt);
    } else {
      report.jobsWrongState!.push(wrong);
    }
    next = await scenario.start();
  }
  if (next.job) {
    await api(f.daemon, `/api/jobs/${next.job.id}/cancel`, {});
    await waitEnd(f.daemon, next.job.id);
  } else if (report.newJobsRefused!.length === 0) {
    report.newJobsRefused!.push(`${scenario.kind}: ${next.status}`);
  }
  const ic = integrityCheck(options.projectDir);
  if (ic !== 'ok') report.integrityFailures.push(ic);
}

/**
 * Fleet training (daemon `--redis`, one worker) while redis-server is SIGKILLed and restarted empty, `iterations`
 * times: each train job must end `done` with the version its worker wrote, the daemon must serve that version, and
 * the next train job must be accepted (not 409). Each process should log about one line per outage.
 */
export async function runRedisTrainingRestarts(projectDir: string, iterations: number, seed = 4): Promise<FaultReport> {
  const t0 = Date.now();
  const report = emptyReport('redis-training');
  const f = await startFleet(projectDir);
  try {
    await restartLoop(
      f,
      report,
      { projectDir, iterations, rng: createRng(seed) },
      {
        kind: 'train',
        start: () => startTrain(f.daemon),
        async judge(id, end) {
          const row = await modelRowOf(projectDir, id);
          const serving = await daemonModelVersion(f.daemon);
          if (end?.state === 'done' && row !== undefined && serving === row) return undefined;
          return `${id}: ${end?.state ?? 'still running'} ${end?.error?.code ?? ''} (model row v${row ?? '-'}, daemon serves v${serving})`;
        },
      },
    );
  } finally {
    await f.close();
  }
  report.ms = Date.now() - t0;
  return report;
}

/**
 * Fleet inference (the demo slide in batches) while redis-server is SIGKILLed and restarted empty, `iterations`
 * times, after one fault-free fleet training for a model: each infer job must end `done` with a score row for every
 * patch it scored, and the next infer job on that slide must be accepted (not 409).
 */
export async function runRedisInferRestarts(projectDir: string, iterations: number, seed = 5): Promise<FaultReport> {
  const t0 = Date.now();
  const report = emptyReport('redis-infer');
  const f = await startFleet(projectDir);
  try {
    const first = await startTrain(f.daemon);
    const trained = first.job && (await waitEnd(f.daemon, first.job.id));
    if (trained?.state !== 'done') {
      const last = first.job && (await job(f.daemon, first.job.id).catch((err: unknown) => String(err)));
      throw new Error(
        `the fault-free training (POST ${first.status}) ended ${trained?.state ?? 'never'} (${lastWaitError}): ` +
          `${JSON.stringify(last)}\n` +
          `daemon:\n${f.daemon.stderr().slice(-3000)}\nworker:\n${f.worker.lines.slice(-40).join('\n')}`,
      );
    }
    await restartLoop(
      f,
      report,
      { projectDir, iterations, rng: createRng(seed) },
      {
        kind: 'infer',
        start: () => startInfer(f.daemon, f.slide.id),
        async judge(id, end) {
          if (end?.state === 'done' && end.progress.done === end.progress.total) return undefined;
          return `${id}: ${end?.state ?? 'still running'} ${end?.error?.code ?? ''} (${end?.progress.done}/${end?.progress.total})`;
        },
      },
    );
  } finally {
    await f.close();
  }
  report.ms = Date.now() - t0;
  return report;
}
