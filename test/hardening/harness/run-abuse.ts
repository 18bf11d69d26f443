import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnnotationList, ErrorBody, PROTOCOL_VERSION, ServerMessage, SlideInfo } from '@activeseg/protocol';
import WebSocket from 'ws';
import { DEMO_SLIDE } from './fuzz-target.js';
import { type DaemonProcess, spawnDaemon } from './spawn-daemon.js';

/**
 * Abuse families: well-formed traffic that costs the daemon something per request. Each runs for a while at a
 * high rate against a live daemon while health is probed and annotations are written, so the report says whether
 * the daemon stayed up, bounded and responsive, and whether it lost an acknowledged annotation. In this order:
 * the first one needs a project without annotations (its train jobs fail at once, filling the replay buffer).
 */
export const ABUSE_FAMILIES = [
  /** A paused client repeats `hello` with a lastSeq 1 024 broadcasts back (each once answered by 1 025 frames). */
  'ws:repeated-hello-replay',
  /** A paused client sends malformed frames (each answered BAD_MESSAGE). */
  'ws:non-reading:bad-message',
  /** A paused client cancels unknown jobs (each answered JOB_NOT_FOUND). */
  'ws:non-reading:job-not-found',
  /** A paused client pings (each answered by a pong from `ws`). */
  'ws:non-reading:pong',
  /** Overlay tiles at model versions that do not exist (`?v=`), which must not be cached. */
  'http:unknown-v',
  /** A paused, joined client while training jobs broadcast progress (last: training loads the daemon). */
  'ws:non-reading:broadcast',
] as const;
export type AbuseFamily = (typeof ABUSE_FAMILIES)[number];

export interface AbuseTarget {
  daemon: DaemonProcess;
  projectDir: string;
  slide: SlideInfo;
}

export interface AbuseReport {
  family: AbuseFamily;
  /** Frames, pings or requests the attacker sent. */
  tried: number;
  crashed: boolean;
  /** Daemon resident memory when the family started and at its peak, MB. */
  rssStartMb: number;
  rssPeakMb: number;
  health: { probes: number; failed: number; p50Ms: number; p99Ms: number; maxMs: number };
  /** Annotations the daemon acknowledged during the family, and how many of those it no longer lists. */
  annotations: { acked: number; lost: number };
  /** What the attacker saw: close code, frames received, error codes, HTTP statuses, cache entries added. */
  outcome: Record<string, number | string>;
}

export interface RunAbuseOptions {
  target: AbuseTarget;
  families?: readonly AbuseFamily[];
  /** Attack time per family. */
  durationMs: number;
  /** Attacker frames or requests per second. */
  ratePerSecond?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Resident set size of a process, MB (Linux). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

/** A daemon with the tiny engine on a fresh project with the demo slide and no annotations. */
export async function startAbuseTarget(projectDir: string, config: Record<string, unknown> = {}): Promise<AbuseTarget> {
  const daemon = await spawnDaemon({ projectDir, engine: 'tiny', mcPasses: 2, config });
  const res = await fetch(`${daemon.origin}/api/slides`, {
    method: 'POST',
    headers: daemon.headers(),
    body: JSON.stringify({ path: DEMO_SLIDE }),
  });
  return { daemon, projectDir, slide: SlideInfo.parse(await res.json()) };
}

interface Client {
  ws: WebSocket;
  frames: ServerMessage[];
  closed: Promise<number>;
}

/** Opens `/ws`, says hello and waits for `welcome`. */
async function connect(d: DaemonProcess): Promise<Client & { welcomeSeq: number }> {
  const ws = new WebSocket(`${d.origin.replace('http', 'ws')}/ws?token=${d.token}`, { origin: d.origin });
  const frames: ServerMessage[] = [];
  ws.on('message', (m) => frames.push(ServerMessage.parse(JSON.parse(String(m)))));
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION }));
  const deadline = Date.now() + 10_000;
  while (frames[0]?.type !== 'welcome') {
    if (Date.now() > deadline) throw new Error('no welcome within 10 s');
    await sleep(10);
  }
  return { ws, frames, closed, welcomeSeq: frames[0].seq };
}

/** Reads what a paused client was sent, for at most `ms`. */
async function drain(c: Client, ms: number): Promise<Record<string, number | string>> {
  c.ws.resume();
  const code = await Promise.race([c.closed, sleep(ms).then(() => undefined)]);
  c.ws.terminate();
  const errors = c.frames.filter((f) => f.type === 'error').map((f) => (f.type === 'error' ? f.code : ''));
  return {
    closeCode: code ?? 'open',
    framesReceived: c.frames.length,
    welcomes: c.frames.filter((f) => f.type === 'welcome').length,
    errorCodes: [...new Set(errors)].join(',') || 'none',
  };
}

/**
 * Posts train jobs until the daemon's seq passes `minSeq`. Without annotations each fails at once, after
 * broadcasting at least queued, running and failed; a post while the previous one is pending is refused (409).
 */
export async function fillReplayBuffer(t: AbuseTarget, minSeq: number): Promise<number> {
  let accepted = 0;
  for (let i = 0; i < 20; i++) {
    while (accepted * 3 < minSeq * (1 + i / 10)) {
      const res = await fetch(`${t.daemon.origin}/api/jobs`, {
        method: 'POST',
        headers: t.daemon.headers(),
        body: JSON.stringify({ kind: 'train', mode: 'scratch' }),
      });
      await res.arrayBuffer();
      if (res.status === 202) accepted++;
    }
    const probe = await connect(t.daemon);
    probe.ws.terminate();
    if (probe.welcomeSeq >= minSeq) return probe.welcomeSeq;
  }
  throw new Error(`seq did not reach ${minSeq}`);
}

/** Sends `frame()` at `rate` per second for `ms` while the client is open; returns how many were sent. */
async function flood(c: Client, rate: number, ms: number, frame: (i: number) => void): Promise<number> {
  const perTick = Math.max(1, Math.round(rate / 100));
  const end = Date.now() + ms;
  let sent = 0;
  while (Date.now() < end) {
    for (let k = 0; k < perTick && c.ws.readyState === WebSocket.OPEN; k++) frame(sent++);
    await sleep(10);
  }
  return sent;
}

const cacheEntries = (projectDir: string): number => {
  const root = join(projectDir, 'cache', 'tiles');
  return existsSync(root) ? readdirSync(root, { recursive: true }).length : 0;
};

async function attack(
  family: AbuseFamily,
  t: AbuseTarget,
  o: { durationMs: number; rate: number },
): Promise<{ tried: number; outcome: Record<string, number | string> }> {
  const d = t.daemon;
  if (family === 'http:unknown-v') {
    const before = cacheEntries(t.projectDir);
    const statuses: Record<string, number> = {};
    let tried = 0;
    const end = Date.now() + o.durationMs;
    const worker = async () => {
      while (Date.now() < end) {
        const v = 1000 + Math.floor(Math.random() * 1e8);
        const url = `${d.origin}/api/slides/${t.slide.id}/tiles/uncertainty/11/0_0.png?v=${v}&token=${d.token}`;
        tried++;
        const res = await fetch(url);
        const code = res.ok ? String(res.status) : `${res.status} ${ErrorBody.parse(await res.json()).error.code}`;
        if (res.ok) await res.arrayBuffer();
        statuses[code] = (statuses[code] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return { tried, outcome: { ...statuses, cacheEntriesAdded: cacheEntries(t.projectDir) - before } };
  }
  if (family === 'ws:non-reading:broadcast') {
    const c = await connect(d);
    c.ws.pause();
    let tried = 0;
    const jobIds: string[] = [];
    const end = Date.now() + o.durationMs;
    while (Date.now() < end) {
      const res = await fetch(`${d.origin}/api/jobs`, {
        method: 'POST',
        headers: d.headers(),
        body: JSON.stringify({ kind: 'train', mode: 'scratch', epochs: 1 }),
      });
      const body = (await res.json()) as { id?: string };
      if (res.status === 202 && body.id) jobIds.push(body.id);
      tried++;
      await sleep(200);
    }
    const outcome = await drain(c, 2000);
    // Leave the daemon idle for whatever runs next.
    for (const id of jobIds) {
      await fetch(`${d.origin}/api/jobs/${id}/cancel`, { method: 'POST', headers: d.headers() }).then((r) =>
        r.arrayBuffer(),
      );
    }
    return { tried, outcome: { ...outcome, trainJobs: jobIds.length } };
  }
  const c = await connect(d);
  c.ws.pause();
  const frames: Record<Exclude<AbuseFamily, 'http:unknown-v' | 'ws:non-reading:broadcast'>, (i: number) => void> = {
    'ws:repeated-hello-replay': () =>
      c.ws.send(
        JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: Math.max(0, c.welcomeSeq - 1024) }),
      ),
    'ws:non-reading:bad-message': (i) => c.ws.send(`{"type":"job.cancel","jobId":"../${i}","pad":"${'x'.repeat(200)}"`),
    'ws:non-reading:job-not-found': (i) => c.ws.send(JSON.stringify({ type: 'job.cancel', jobId: `jb_nope${i}` })),
    'ws:non-reading:pong': () => c.ws.ping('p'.repeat(125)),
  };
  const tried = await flood(c, o.rate, o.durationMs, frames[family]);
  return { tried, outcome: await drain(c, 2000) };
}

/** Runs each family in turn against the target, probing health and writing annotations meanwhile. */
export async function runAbuse(o: RunAbuseOptions): Promise<AbuseReport[]> {
  const d = o.target.daemon;
  const pid = d.child.pid;
  if (pid === undefined) throw new Error('daemon has no pid');
  const reports: AbuseReport[] = [];
  const families = ABUSE_FAMILIES.filter((f) => (o.families ?? ABUSE_FAMILIES).includes(f));
  // Before any annotation exists: the fill relies on train jobs failing at once for lack of them.
  if (families.includes('ws:repeated-hello-replay')) await fillReplayBuffer(o.target, 1100);
  for (const family of families) {
    let running = true;
    const rssStartMb = rssMb(pid);
    let rssPeakMb = rssStartMb;
    const latencies: number[] = [];
    let failed = 0;
    const acked: string[] = [];
    const rssLoop = (async () => {
      while (running && d.child.exitCode === null) {
        rssPeakMb = Math.max(rssPeakMb, rssMb(pid));
        await sleep(100);
      }
    })();
    const healthLoop = (async () => {
      while (running) {
        const t0 = performance.now();
        try {
          const res = await fetch(`${d.origin}/api/health`, { signal: AbortSignal.timeout(5000) });
          await res.arrayBuffer();
          if (!res.ok) failed++;
        } catch {
          failed++;
        }
        latencies.push(performance.now() - t0);
        await sleep(50);
      }
    })();
    const annotateLoop = (async () => {
      for (let i = 0; running; i++) {
        const clientId = `abuse-${family.replace(/[^a-z]/g, '')}-${Date.now()}-${i}`;
        try {
          const res = await fetch(`${d.origin}/api/annotations`, {
            method: 'POST',
            headers: d.headers(),
            body: JSON.stringify({
              slideId: o.target.slide.id,
              region: { x: (i * 37) % 1000, y: (i * 53) % 1000, width: 4, height: 2 },
              mask: { encoding: 'rle', counts: [2, 3, 3] },
              clientId,
            }),
            signal: AbortSignal.timeout(10_000),
          });
          await res.arrayBuffer();
          if (res.ok) acked.push(clientId);
        } catch {}
        await sleep(100);
      }
    })();
    let result: { tried: number; outcome: Record<string, number | string> };
    try {
      result = await attack(family, o.target, { durationMs: o.durationMs, rate: o.ratePerSecond ?? 1000 });
    } finally {
      running = false;
      await Promise.all([rssLoop, healthLoop, annotateLoop]);
    }
    const crashed = d.child.exitCode !== null || d.child.signalCode !== null;
    let lost = acked.length;
    if (!crashed) {
      const list = AnnotationList.parse(
        await (
          await fetch(`${d.origin}/api/annotations?slideId=${o.target.slide.id}`, { headers: d.headers() })
        ).json(),
      );
      const have = new Set(list.annotations.map((a) => a.clientId));
      lost = acked.filter((id) => !have.has(id)).length;
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const round = (ms: number) => Math.round(ms * 10) / 10;
    reports.push({
      family,
      tried: result.tried,
      crashed,
      rssStartMb,
      rssPeakMb,
      health: {
        probes: sorted.length,
        failed,
        p50Ms: round(percentile(sorted, 50)),
        p99Ms: round(percentile(sorted, 99)),
        maxMs: round(sorted.at(-1) ?? Number.NaN),
      },
      annotations: { acked: acked.length, lost },
      outcome: result.outcome,
    });
    if (crashed) break;
  }
  return reports;
}
