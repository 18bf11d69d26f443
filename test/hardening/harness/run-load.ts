import { loadavg } from 'node:os';
import { JobInfo, PROTOCOL_VERSION, ServerMessage, SlideInfo } from '@activeseg/protocol';
import { createRng } from '@activeseg/shared';
import WebSocket from 'ws';
import { imageTileUrls } from '../../../daemon/bench/speed-lines.js';
import { DEMO_SLIDE } from './fuzz-target.js';
import { type DaemonProcess, spawnDaemon } from './spawn-daemon.js';

export interface RunLoadOptions {
  projectDir: string;
  durationMs: number;
  viewers?: number;
  /** Total requests per second over all viewers. */
  ratePerSecond?: number;
  /** Run MC inference jobs back to back during the load (default true). */
  inference?: boolean;
  /** onnxruntime for MC inference (off the JS thread); false = tfjs on the daemon's event loop. */
  onnx?: boolean;
  /** MC passes per patch (more = longer jobs). */
  mcPasses?: number;
  seed?: number;
  /** A request slower than this counts as an error (default 30 s). */
  requestTimeoutMs?: number;
}

export interface LoadReport {
  requests: number;
  /** httpErrors + transportErrors. */
  errors: number;
  /** Answers that were not 200 with a whole JPEG (a daemon fault). */
  httpErrors: number;
  /** Requests that got no answer: connect or request timeouts (the daemon too slow to accept or answer). */
  transportErrors: number;
  errorSamples: string[];
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  achievedRatePerSecond: number;
  /** Share of the load window during which an inference job was running. */
  jobRunningFraction: number;
  jobsCompleted: number;
  backend: string;
  /** Daemon event-loop delay during the window: worst one-second p99 and the worst single stall (ms). */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  loadAvgBefore: number[];
  loadAvgAfter: number[];
  durationMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function api<T>(d: DaemonProcess, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${d.origin}${path}`, { ...init, headers: d.headers() });
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function waitJob(d: DaemonProcess, id: string, timeoutMs: number): Promise<JobInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const j = JobInfo.parse(await api(d, `/api/jobs/${id}`));
    if (j.state !== 'queued' && j.state !== 'running') return j;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${j.state} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

async function welcomeBackend(d: DaemonProcess): Promise<string> {
  const ws = new WebSocket(`${d.origin.replace('http', 'ws')}/ws?token=${d.token}`, { origin: d.origin });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const msg = new Promise<string>((resolve) => ws.once('message', (m) => resolve(String(m))));
  ws.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION }));
  const welcome = ServerMessage.parse(JSON.parse(await msg));
  ws.close();
  return welcome.type === 'welcome' ? welcome.backend : 'unknown';
}

/**
 * `viewers` simulated viewers request cached image tiles over loopback at `ratePerSecond` in total (open loop: each
 * request is sent at its scheduled time whether or not earlier ones returned) while MC inference jobs run back to
 * back on the real tiny engine. Latency is measured from the scheduled send time to the last byte.
 */
export async function runLoad(o: RunLoadOptions): Promise<LoadReport> {
  const viewers = o.viewers ?? 8;
  const rate = o.ratePerSecond ?? 200;
  const inference = o.inference ?? true;
  const d = await spawnDaemon({
    projectDir: o.projectDir,
    engine: inference ? 'tiny' : undefined,
    onnx: o.onnx ?? true,
    mcPasses: o.mcPasses ?? 20,
  });
  try {
    const slide = SlideInfo.parse(
      await api(d, '/api/slides', { method: 'POST', body: JSON.stringify({ path: DEMO_SLIDE }) }),
    );
    if (inference) {
      for (let i = 0; i < 3; i++) {
        await api(d, '/api/annotations', {
          method: 'POST',
          body: JSON.stringify({
            slideId: slide.id,
            region: { x: 512 * i, y: 0, width: 64, height: 64 },
            mask: { encoding: 'rle', counts: [1500, 1000, 1596] },
            clientId: `load-seed-${i}-xxxx`,
          }),
        });
      }
      const train = JobInfo.parse(
        await api(d, '/api/jobs', {
          method: 'POST',
          body: JSON.stringify({ kind: 'train', mode: 'scratch', epochs: 2 }),
        }),
      );
      const done = await waitJob(d, train.id, 120_000);
      if (done.state !== 'done') throw new Error(`warm-up training ended ${done.state}: ${JSON.stringify(done.error)}`);
    }
    // Warm the cache: every image tile of every level, as JPEG (what OpenSeadragon asks for).
    const urls = imageTileUrls(d.origin, slide, `?token=${d.token}`);
    for (const u of urls) await (await fetch(u)).arrayBuffer();

    // Inference jobs back to back for the whole window.
    let stopJobs = false;
    let jobsCompleted = 0;
    let runningMs = 0;
    let currentJob: string | undefined;
    const jobLoop = async () => {
      while (!stopJobs) {
        const job = JobInfo.parse(
          await api(d, '/api/jobs', { method: 'POST', body: JSON.stringify({ kind: 'infer', slideId: slide.id }) }),
        );
        currentJob = job.id;
        const t = Date.now();
        const end = await waitJob(d, job.id, 600_000);
        runningMs += Date.now() - t;
        if (end.state === 'done') jobsCompleted++;
        else if (!(stopJobs && end.state === 'cancelled'))
          throw new Error(`inference ended ${end.state}: ${JSON.stringify(end.error)}`);
      }
    };
    const jobs = inference ? jobLoop() : Promise.resolve();
    if (inference) await sleep(300);

    const loadAvgBefore = loadavg();
    const latencies: number[] = [];
    const errorSamples: string[] = [];
    let httpErrors = 0;
    let transportErrors = 0;
    const perViewer = rate / viewers;
    const t0 = performance.now() + 50;
    const t0Wall = Date.now();
    const viewer = async (v: number) => {
      const rng = createRng((o.seed ?? 1) * 100 + v);
      const count = Math.floor((o.durationMs / 1000) * perViewer);
      const inflight: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        const at = t0 + (i + rng.next()) * (1000 / perViewer);
        const wait = at - performance.now();
        if (wait > 0) await sleep(wait);
        const url = urls[rng.int(urls.length)]!;
        inflight.push(
          (async () => {
            try {
              const res = await fetch(url, { signal: AbortSignal.timeout(o.requestTimeoutMs ?? 30_000) });
              const body = new Uint8Array(await res.arrayBuffer());
              // A whole JPEG starts with SOI and ends with EOI.
              const whole = body[0] === 0xff && body[1] === 0xd8 && body.at(-2) === 0xff && body.at(-1) === 0xd9;
              if (res.status !== 200 || !whole) {
                httpErrors++;
                if (errorSamples.length < 5) errorSamples.push(`${res.status} ${url}`);
              }
            } catch (err) {
              transportErrors++;
              const cause = (err as { cause?: { code?: string; message?: string } }).cause;
              const why = `${(err as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`;
              if (errorSamples.length < 5) errorSamples.push(`${why} ${url}`);
            }
            latencies.push(performance.now() - at);
          })(),
        );
      }
      await Promise.all(inflight);
    };
    await Promise.all(Array.from({ length: viewers }, (_, v) => viewer(v)));
    const windowMs = Date.now() - t0Wall;
    const eld = d.eventLoopDelay(t0Wall);
    const loadAvgAfter = loadavg();
    stopJobs = true;
    const backend = inference ? await welcomeBackend(d) : 'none';
    // Cancel the job still running (the window is over) and let the loop see it end.
    if (currentJob) await fetch(`${d.origin}/api/jobs/${currentJob}/cancel`, { method: 'POST', headers: d.headers() });
    await jobs;
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      requests: latencies.length,
      errors: httpErrors + transportErrors,
      httpErrors,
      transportErrors,
      errorSamples,
      p50Ms: round(percentile(sorted, 50)),
      p90Ms: round(percentile(sorted, 90)),
      p99Ms: round(percentile(sorted, 99)),
      maxMs: round(sorted.at(-1) ?? Number.NaN),
      achievedRatePerSecond: round((latencies.length / windowMs) * 1000),
      jobRunningFraction: inference ? round(Math.min(1, runningMs / windowMs)) : 0,
      jobsCompleted,
      backend,
      eventLoopDelayP99Ms: Math.max(0, ...eld.map((e) => e.p99)),
      eventLoopDelayMaxMs: Math.max(0, ...eld.map((e) => e.max)),
      loadAvgBefore: loadAvgBefore.map(round),
      loadAvgAfter: loadAvgAfter.map(round),
      durationMs: windowMs,
    };
  } finally {
    await d.kill('SIGKILL');
  }
}

const round = (v: number) => Math.round(v * 10) / 10;
