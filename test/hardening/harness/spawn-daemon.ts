import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const REPO_ROOT = new URL('../../..', import.meta.url).pathname;
const ENTRY = join(REPO_ROOT, 'test/hardening/fixtures/serve-hardening.ts');

export interface SpawnDaemonOptions {
  projectDir: string;
  token?: string;
  /** Wire the real model engine on the tiny hardening preset. */
  engine?: 'tiny';
  /** onnxruntime for MC inference (default true); false forces the synchronous tfjs path. */
  onnx?: boolean;
  config?: Record<string, unknown>;
  /** MC dropout passes per patch of the tiny engine. */
  mcPasses?: number;
  /** Print the daemon's log and stderr to this process's stderr. */
  verbose?: boolean;
  /** Write the daemon's log to its stderr (kept in `stderr()`) without printing it here. */
  logs?: boolean;
  /** Run jobs on a worker fleet through this Redis, as `serve --redis` (lease and reconcile interval shortened). */
  redis?: { url: string; leaseMs?: number; reconcileIntervalMs?: number };
  startTimeoutMs?: number;
}

export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly origin: string;
  readonly token: string;
  readonly backend: string;
  /** Resolves with the exit code / signal once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the child wrote to stderr (bounded to the last 64 KiB). */
  stderr(): string;
  /** Event-loop delay samples the child reported (one a second), from `since` (ms epoch) on. */
  eventLoopDelay(since?: number): { at: number; p50: number; p99: number; max: number }[];
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  headers(extra?: Record<string, string>): Record<string, string>;
}

/** Starts the daemon in a child process (`node --import tsx`), bound to 127.0.0.1 on a free port. */
export async function spawnDaemon(options: SpawnDaemonOptions): Promise<DaemonProcess> {
  const token = options.token ?? 'hardening-test-token';
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, options.projectDir], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ACTIVESEG_TOKEN: token,
      HARDENING_ENGINE: options.engine ?? '',
      HARDENING_ONNX: options.onnx === false ? '0' : '1',
      HARDENING_CONFIG: JSON.stringify(options.config ?? {}),
      HARDENING_LOG: options.verbose || options.logs ? '1' : '0',
      HARDENING_REDIS: options.redis ? JSON.stringify(options.redis) : '',
      HARDENING_ELD: '1',
      ...(options.mcPasses ? { HARDENING_MC_PASSES: String(options.mcPasses) } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const eld: { at: number; p50: number; p99: number; max: number }[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (line.startsWith('[eld] ')) {
      if (eld.length < 10_000)
        eld.push({ at: Date.now(), ...(JSON.parse(line.slice(6)) as { p50: number; p99: number; max: number }) });
      return;
    }
    err = `${err}${line}\n`.slice(-65536);
    if (options.verbose) process.stderr.write(`${line}\n`);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    void exited.then(({ code, signal }) =>
      reject(new Error(`daemon exited during start (${code ?? signal}): ${err.slice(-2000)}`)),
    );
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`daemon did not start within ${timeoutMs} ms`));
    }, timeoutMs);
  }).finally(() => clearTimeout(timer));
  const info = JSON.parse(line) as { origin: string; backend: string };
  return {
    child,
    origin: info.origin,
    token,
    backend: info.backend,
    exited,
    stderr: () => err,
    eventLoopDelay: (since = 0) => eld.filter((e) => e.at >= since),
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    headers: (extra = {}) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extra }),
  };
}
