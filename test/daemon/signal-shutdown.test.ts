import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobInfo, SlideInfo } from '@activeseg/protocol';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../daemon/src/fleet/create-redis-client.js';
import { FLEET_QUEUE } from '../../daemon/src/fleet/fleet-jobs.js';
import { selectBackend } from '../../daemon/src/model/backend.js';
import { writeSyntheticSlide } from '../../daemon/src/testing/write-synthetic-slide.js';
import { type RedisServer, startRedis, trainTinyModel } from '../fleet/fleet-fixture.js';

// SIGTERM/SIGINT to `activeseg serve|worker` as users start it (the bin wrapper, which runs the CLI in a child
// process): both processes exit 0, the port is free, no job row is left `running`, the database is closed cleanly.
const REPO = new URL('../../', import.meta.url).pathname;
const BIN = join(REPO, 'daemon/bin/activeseg.js');

interface Cli {
  proc: ChildProcess;
  out: () => string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number }>;
  signal(sig: NodeJS.Signals): void;
}

function startCli(args: string[], options: { via?: 'bin' | 'npx' } = {}): Cli {
  const [exe, ...argv] =
    options.via === 'npx' ? ['npx', '--no-install', 'activeseg', ...args] : [process.execPath, BIN, ...args];
  const proc = spawn(exe!, argv, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const w of waiters) w();
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  let signalledAt = 0;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal, afterMs: Date.now() - signalledAt })),
  );
  return {
    proc,
    out: () => text,
    exited,
    signal(sig) {
      signalledAt = Date.now();
      proc.kill(sig);
    },
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = text.match(pattern);
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${text}`));
        }, timeoutMs);
        waiters.add(check);
        void exited.then(() => {
          check();
          if (waiters.has(check)) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`exited before ${pattern}; output:\n${text}`));
          }
        });
        check();
      });
    },
  };
}

/** Pids whose parent is `pid` (from /proc: no `ps` needed). */
function childPids(pid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat, after the parenthesised command name (which may contain spaces).
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

function descendants(pid: number): number[] {
  return childPids(pid).flatMap((c) => [c, ...descendants(c)]);
}

async function untilGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(alive);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const portAcceptsConnections = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

let dir: string;
let modelsDir: string;
let slidePath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-signal-'));
  modelsDir = join(dir, 'template-models');
  await selectBackend({ purpose: 'train', prefer: 'wasm' });
  const engine = await trainTinyModel(modelsDir);
  await engine.dispose();
  // 256 cells of 512²: the infer job is still running when the signal comes.
  slidePath = join(dir, 'slide.tif');
  await writeSyntheticSlide(slidePath, { width: 8192, height: 8192 });
});
/** Processes a failing run might leave behind (the orphaned CLI is the bug this file pins). */
const started: number[] = [];
afterAll(() => {
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A project folder holding a copy of the tiny model, so jobs can run. */
function newProject(name: string): string {
  const project = join(dir, name);
  cpSync(modelsDir, join(project, 'models'), { recursive: true });
  return project;
}

/**
 * Adds the big slide to the daemon the CLI printed, starts an infer job and returns its id once part of it is
 * scored (so it is mid-job: 256 cells take far longer than a signal round trip).
 */
async function inferUntilProgress(origin: string, token: string): Promise<string> {
  const headers = { authorization: `Bearer ${decodeURIComponent(token)}`, 'content-type': 'application/json' };
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${origin}${path}`, { ...init, headers });
    const body = (await res.json()) as unknown;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const slide = SlideInfo.parse(
    await api('/api/slides', { method: 'POST', body: JSON.stringify({ path: slidePath }) }),
  );
  const job = JobInfo.parse(
    await api('/api/jobs', { method: 'POST', body: JSON.stringify({ kind: 'infer', slideId: slide.id }) }),
  );
  for (let i = 0; ; i++) {
    const now = JobInfo.parse(await api(`/api/jobs/${job.id}`));
    expect(now.state, 'the job must still be running when the signal comes').toMatch(/queued|running/);
    if ((now.progress?.done ?? 0) > 0) return job.id;
    if (i > 900) throw new Error('the infer job scored nothing in 90 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('activeseg serve through the bin wrapper', () => {
  it('SIGTERM during an infer job: wrapper and CLI exit 0, the port is free, the job row ends cancelled', async () => {
    const project = newProject('serve');
    const cli = startCli(['serve', '--project', project, '--port', '0', '--backend', 'wasm']);
    const [, origin, token] = await cli.waitFor(/open the viewer: (http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/);
    const port = Number(new URL(origin!).port);
    const jobId = await inferUntilProgress(origin!, token!);
    const [cliPid] = childPids(cli.proc.pid!);
    started.push(cli.proc.pid!, cliPid!);
    expect(cliPid).toBeDefined();

    cli.signal('SIGTERM');
    const exit = await cli.exited;
    expect(exit, cli.out()).toMatchObject({ code: 0, signal: null });
    expect(exit.afterMs).toBeLessThan(15_000);
    expect(alive(cliPid!)).toBe(false);
    expect(await portAcceptsConnections(port)).toBe(false);
    expect(cli.out()).toMatch(/SIGTERM: shutting down/);
    expect(cli.out()).toMatch(/stopped/);

    // A clean close checkpoints the WAL into the database file and removes it.
    expect(readdirSync(project).filter((f) => f.endsWith('-wal'))).toEqual([]);
    const db = new Database(join(project, 'activeseg.db'), { readonly: true });
    const row = db.prepare('SELECT state, error_code FROM jobs WHERE id = ?').get(jobId) as {
      state: string;
      error_code: string | null;
    };
    db.close();
    expect(row).toEqual({ state: 'cancelled', error_code: 'JOB_CANCELLED' });
  });

  it('SIGINT while idle: both processes exit 0 and the port is free', async () => {
    const cli = startCli(['serve', '--project', newProject('serve-idle'), '--port', '0', '--backend', 'wasm']);
    const [, port] = await cli.waitFor(/open the viewer: http:\/\/127\.0\.0\.1:(\d+)/);
    const [cliPid] = childPids(cli.proc.pid!);
    started.push(cli.proc.pid!, cliPid!);
    cli.signal('SIGINT');
    expect(await cli.exited, cli.out()).toMatchObject({ code: 0, signal: null });
    expect(alive(cliPid!)).toBe(false);
    expect(await portAcceptsConnections(Number(port))).toBe(false);
  });
});

describe('activeseg serve through npx', () => {
  it('SIGTERM to npx (whose shell dies without passing it on): the wrapper stops the CLI, the port is freed', async () => {
    const project = newProject('serve-npx');
    const cli = startCli(['serve', '--project', project, '--port', '0', '--backend', 'wasm'], { via: 'npx' });
    const [, port] = await cli.waitFor(/open the viewer: http:\/\/127\.0\.0\.1:(\d+)/);
    // npx → sh -c → bin wrapper → CLI
    const tree = descendants(cli.proc.pid!);
    started.push(...tree);
    expect(tree.length).toBeGreaterThanOrEqual(2);
    cli.signal('SIGTERM');
    await cli.exited;
    expect(await untilGone(tree, 15_000), cli.out()).toEqual([]);
    expect(await portAcceptsConnections(Number(port))).toBe(false);
    expect(cli.out()).toMatch(/SIGTERM: shutting down[\s\S]*stopped/);
    expect(readdirSync(project).filter((f) => f.endsWith('-wal'))).toEqual([]);
  });
});

describe('activeseg worker (and serve --redis) through the bin wrapper', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("SIGTERM: wrapper and CLI exit 0 and the worker's Redis connections are closed", async () => {
    const name = `signal-worker-${process.pid}`;
    const cli = startCli([
      'worker',
      '--redis',
      redis.url,
      '--project',
      newProject('worker'),
      '--name',
      name,
      '--backend',
      'wasm',
    ]);
    await cli.waitFor(/ready \(backend/);
    const [cliPid] = childPids(cli.proc.pid!);
    started.push(cli.proc.pid!, cliPid!);
    const probe = new Redis(redis.url);
    const clients = async () => String(await probe.client('LIST'));
    try {
      cli.signal('SIGTERM');
      expect(await cli.exited, cli.out()).toMatchObject({ code: 0, signal: null });
      expect(alive(cliPid!)).toBe(false);
      expect(cli.out()).toMatch(/stopped/);
      // Every connection the worker opened was from its (now gone) process: only the probe is left.
      expect((await clients()).trim().split('\n')).toHaveLength(1);
    } finally {
      probe.disconnect();
    }
  });
  it('serve --redis + worker, SIGTERM to each mid-job: the worker finishes its batch (none left active), exit 0, job row cancelled', async () => {
    const project = newProject('fleet');
    const prefix = `signal-${process.pid}`;
    const serve = startCli([
      'serve',
      '--project',
      project,
      '--port',
      '0',
      '--backend',
      'wasm',
      '--redis',
      redis.url,
      '--redis-prefix',
      prefix,
    ]);
    const [, origin, token] = await serve.waitFor(/open the viewer: (http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/);
    started.push(serve.proc.pid!, ...descendants(serve.proc.pid!));
    const worker = startCli([
      'worker',
      '--redis',
      redis.url,
      '--project',
      project,
      '--redis-prefix',
      prefix,
      '--backend',
      'wasm',
    ]);
    await worker.waitFor(/ready \(backend/);
    started.push(worker.proc.pid!, ...descendants(worker.proc.pid!));
    const jobId = await inferUntilProgress(origin!, token!);

    worker.signal('SIGTERM');
    expect(await worker.exited, worker.out()).toMatchObject({ code: 0, signal: null });
    expect(worker.out()).toMatch(/stopping after the running batch[\s\S]*stopped/);
    const connection = createRedisClient(redis.url);
    const queue = new Queue(FLEET_QUEUE, { connection, prefix });
    try {
      // A worker that died mid-batch leaves it `active` until its lock lapses; a clean stop leaves none.
      const counts = await queue.getJobCounts('active', 'completed', 'waiting', 'prioritized');
      expect(counts.active, JSON.stringify(counts)).toBe(0);
      expect(counts.completed).toBeGreaterThan(0);
    } finally {
      await queue.close();
      connection.disconnect();
    }

    serve.signal('SIGTERM');
    expect(await serve.exited, serve.out()).toMatchObject({ code: 0, signal: null });
    const db = new Database(join(project, 'activeseg.db'), { readonly: true });
    const row = db.prepare('SELECT state, error_code FROM jobs WHERE id = ?').get(jobId);
    db.close();
    expect(row).toEqual({ state: 'cancelled', error_code: 'JOB_CANCELLED' });
  });
});
