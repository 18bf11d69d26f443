import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createModelEngine, type ReloadableModelEngine } from '../../daemon/src/engine/model-engine.js';
import { MICRO_PRESET } from '../../daemon/src/testing/micro-preset.js';
import type { TrainingPreset } from '../../daemon/src/training/presets.js';
import { requireSystemCommand } from '../system/require-system-command.js';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;
export const DEMO_IMAGE = join(REPO_ROOT, 'demo/axondeepseg-sem/images/sub-rat8_sample-V915.png');

/** A model small enough to train in seconds; 512² slide patches run through it at 256² (scale 0.5). */
export const FLEET_PRESET: TrainingPreset = MICRO_PRESET;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
  /** SIGKILLs redis-server: with `--save '' --appendonly no` (the documented setup) every key is gone. */
  crash(): Promise<void>;
  /** Starts redis-server again on the same port, empty. */
  restart(): Promise<void>;
}

/**
 * A throwaway redis-server on a free loopback port, no persistence, in a temp dir. Without redis-server on PATH it
 * throws with the command to install it (`npm test` installs it by itself as root).
 */
export async function startRedis(): Promise<RedisServer> {
  requireSystemCommand('redis-server');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'activeseg-redis-'));
  const launch = async () => {
    const p = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    await waitForRedis(port);
    return p;
  };
  const exited = (p: ChildProcess) =>
    new Promise((r) => (p.exitCode === null && p.signalCode === null ? p.once('exit', r) : r(undefined)));
  let proc = await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      proc.kill('SIGTERM');
      await exited(proc);
      rmSync(dir, { recursive: true, force: true });
    },
    crash: async () => {
      proc.kill('SIGKILL');
      await exited(proc);
    },
    restart: async () => {
      proc = await launch();
    },
  };
}

async function waitForRedis(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const c = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    // Refused connections are expected until redis-server is up; the loop handles them.
    c.on('error', () => {});
    try {
      await c.connect();
      await c.ping();
      c.disconnect();
      break;
    } catch {
      c.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface WorkerProcess {
  name: string;
  proc: ChildProcess;
  lines: string[];
  /** Resolves with the first log line matching. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** `activeseg worker` as a child process (`node --import tsx`), scoring with seeded tfjs for repeatable scores. */
export function spawnWorker(options: {
  name: string;
  redisUrl: string;
  projectDir: string;
  /** More `activeseg worker` flags (e.g. `--lease-ms`). */
  args?: string[];
}): WorkerProcess {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO_ROOT, 'daemon/src/cli/main.ts'),
      'worker',
      '--redis',
      options.redisUrl,
      '--project',
      options.projectDir,
      '--name',
      options.name,
      '--backend',
      'wasm',
      '--no-onnx',
      '--mc-passes',
      String(FLEET_PRESET.mcPasses),
      '--lock-ms',
      '6000',
      '--stalled-interval-ms',
      '1000',
      ...(options.args ?? []),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  let rest = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const l of listeners) l(line);
    }
  });
  return {
    name: options.name,
    proc,
    lines,
    waitFor(pattern, timeoutMs = 60_000) {
      const hit = lines.find((l) => pattern.test(l));
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(on);
          reject(new Error(`${options.name}: no log line ${pattern} in ${timeoutMs} ms:\n${lines.join('\n')}`));
        }, timeoutMs);
        const on = (line: string) => {
          if (!pattern.test(line)) return;
          clearTimeout(timer);
          listeners.delete(on);
          resolve(line);
        };
        listeners.add(on);
      });
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A tiny model on ring-like synthetic data: version 1 in the shared project's models folder. */
export async function trainTinyModel(modelsDir: string): Promise<ReloadableModelEngine> {
  const engine = await createModelEngine({ modelsDir, preset: FLEET_PRESET, tfjsBackend: 'wasm', onnx: false });
  const size = 128;
  const image = new Float32Array(size * size);
  const labels = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const r = Math.hypot((x % 32) - 16, (y % 32) - 16);
      labels[y * size + x] = r > 7 && r < 11 ? 1 : 0;
      image[y * size + x] = labels[y * size + x] ? 0.2 : 0.7;
    }
  }
  await engine.train({
    patches: [{ slideId: 'synthetic', col: 0, row: 0, size }],
    loadPatch: async () => ({ size, image, labels, weight: new Uint8Array(size * size).fill(1) }),
    mode: 'scratch',
    epochs: 2,
    signal: new AbortController().signal,
    onProgress: () => {},
  });
  return engine;
}

/** Polls `probe` every 50 ms until it returns something, or fails naming `what` after `ms`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
