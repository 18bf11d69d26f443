import { Agent, request } from 'node:http';
import { ErrorBody, httpStatusOf, PROTOCOL_VERSION, ServerMessage } from '@activeseg/protocol';
import { createRng } from '@activeseg/shared';
import WebSocket from 'ws';
import {
  type FuzzContext,
  generateHttpCase,
  generateHugeRleCase,
  generateWsCase,
  type HttpFuzzCase,
  type WsFuzzCase,
} from './fuzz-cases.js';

export interface RunFuzzOptions {
  origin: string;
  ctx: FuzzContext;
  seed: number;
  httpCases: number;
  wsCases: number;
  /** Parallel HTTP requests / WS connections. */
  concurrency?: number;
  /** Per-request / per-frame answer timeout. */
  timeoutMs?: number;
  /** Annotation bodies with millions of RLE runs (1–8 MB each), sent two at a time after the HTTP cases. */
  hugeRleCases?: number;
}

export interface FuzzFailure {
  index: number;
  family: string;
  what: string;
}

export interface FuzzSideReport {
  total: number;
  /** Answered with a protocol error code (and, over HTTP, the status that code maps to). */
  answered: number;
  byCode: Record<string, number>;
  byFamily: Record<string, number>;
  failures: FuzzFailure[];
}

export interface FuzzReport {
  http: FuzzSideReport & { byStatus: Record<string, number> };
  /** `/api/health` latencies are measured while the huge bodies are in flight: parsing them must not stall it. */
  hugeRle: FuzzSideReport & { megabytes: number; healthSamples: number; healthP99Ms: number; healthMaxMs: number };
  ws: FuzzSideReport & { reconnects: number };
  ms: number;
}

/** Error codes after which the daemon closes the socket, with the close code it must use. */
const CLOSING_CODES: Partial<Record<string, number>> = {
  PROTOCOL_MISMATCH: 4001,
  PROTOCOL_VIOLATION: 1002,
  RATE_LIMITED: 1008,
};

const bump = (m: Record<string, number>, k: string): void => {
  m[k] = (m[k] ?? 0) + 1;
};

interface RawResponse {
  status: number;
  body: string;
}

/** A raw HTTP/1.1 request: the path is sent byte for byte (no URL normalisation of `..` or `%2e%2e`). */
export function rawRequest(
  origin: string,
  c: { method: string; path: string; headers: Record<string, string>; body?: string | Uint8Array },
  options: { agent?: Agent; timeoutMs?: number } = {},
): Promise<RawResponse> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: c.method,
        path: c.path,
        // Explicit length: node sends DELETE/GET bodies neither chunked nor sized, which desyncs keep-alive.
        headers:
          c.body === undefined ? c.headers : { ...c.headers, 'content-length': String(Buffer.byteLength(c.body)) },
        agent: options.agent,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(c.body);
  });
}

/** Checks one HTTP answer: 4xx/5xx, an ErrorBody, the status its code maps to, and never INTERNAL. */
export function checkErrorResponse(res: RawResponse): { code?: string; problem?: string } {
  if (res.status < 400) return { problem: `status ${res.status} (accepted): ${res.body.slice(0, 200)}` };
  let parsed: ErrorBody;
  try {
    parsed = ErrorBody.parse(JSON.parse(res.body));
  } catch {
    return { problem: `status ${res.status} without an ErrorBody: ${res.body.slice(0, 200)}` };
  }
  const code = parsed.error.code;
  if (httpStatusOf(code) !== res.status) return { code, problem: `code ${code} with status ${res.status}` };
  if (code === 'INTERNAL') return { code, problem: `INTERNAL: ${parsed.error.message}` };
  return { code };
}

async function runHttp(o: RunFuzzOptions): Promise<FuzzReport['http']> {
  const rng = createRng(o.seed);
  const cases: HttpFuzzCase[] = Array.from({ length: o.httpCases }, () => generateHttpCase(rng, o.ctx));
  const report: FuzzReport['http'] = {
    total: cases.length,
    answered: 0,
    byCode: {},
    byFamily: {},
    byStatus: {},
    failures: [],
  };
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency ?? 8 });
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const index = next++;
      const c = cases[index]!;
      bump(report.byFamily, c.family);
      let res: RawResponse;
      try {
        res = await rawRequest(o.origin, c, { agent, timeoutMs: o.timeoutMs ?? 15_000 });
      } catch (err) {
        report.failures.push({ index, family: c.family, what: `transport: ${(err as Error).message}` });
        continue;
      }
      bump(report.byStatus, String(res.status));
      const { code, problem } = checkErrorResponse(res);
      if (code) bump(report.byCode, code);
      if (problem)
        report.failures.push({ index, family: c.family, what: `${c.method} ${c.path.slice(0, 120)}: ${problem}` });
      else report.answered++;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 8 }, worker));
  agent.destroy();
  return report;
}

async function runHugeRle(o: RunFuzzOptions): Promise<FuzzReport['hugeRle']> {
  const rng = createRng(o.seed ^ 0x41e);
  const report: FuzzReport['hugeRle'] = {
    total: o.hugeRleCases ?? 0,
    answered: 0,
    byCode: {},
    byFamily: {},
    failures: [],
    megabytes: 0,
    healthSamples: 0,
    healthP99Ms: 0,
    healthMaxMs: 0,
  };
  if (report.total === 0) return report;
  // Built up front: making multi-megabyte strings stalls this process, whose health polling must time the daemon.
  const cases = Array.from({ length: report.total }, () => generateHugeRleCase(rng, o.ctx));
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  let next = 0;
  let done = false;
  const worker = async () => {
    while (next < cases.length) {
      const index = next++;
      const c = cases[index]!;
      bump(report.byFamily, c.family);
      report.megabytes += (c.body?.length ?? 0) / 1e6;
      try {
        const res = await rawRequest(o.origin, c, { agent, timeoutMs: o.timeoutMs ?? 120_000 });
        const { code, problem } = checkErrorResponse(res);
        if (code) bump(report.byCode, code);
        if (problem) report.failures.push({ index, family: c.family, what: problem });
        else report.answered++;
      } catch (err) {
        report.failures.push({ index, family: c.family, what: `transport: ${(err as Error).message}` });
      }
    }
  };
  const latencies: number[] = [];
  const poll = (async () => {
    while (!done) {
      const t = performance.now();
      await fetch(`${o.origin}/api/health`).catch(() => undefined);
      latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await Promise.all([worker(), worker()]);
  done = true;
  await poll;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  report.megabytes = Math.round(report.megabytes);
  report.healthSamples = latencies.length;
  report.healthP99Ms = Math.round(latencies[Math.floor((latencies.length - 1) * 0.99)] ?? 0);
  report.healthMaxMs = Math.round(latencies.at(-1) ?? 0);
  return report;
}

/** A socket with a message queue; `next()` waits for the next frame (or the close). */
function openSocket(url: string, origin: string) {
  const ws = new WebSocket(url, { origin });
  const inbox: (string | { close: number })[] = [];
  let waiter: (() => void) | undefined;
  const wake = () => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  ws.on('message', (d) => {
    inbox.push(String(d));
    wake();
  });
  ws.on('close', (code) => {
    inbox.push({ close: code });
    wake();
  });
  ws.on('error', () => {});
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    opened,
    async next(timeoutMs: number): Promise<string | { close: number } | undefined> {
      const deadline = Date.now() + timeoutMs;
      while (inbox.length === 0) {
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        await new Promise<void>((resolve) => {
          waiter = resolve;
          setTimeout(resolve, left);
        });
      }
      return inbox.shift();
    },
  };
}

async function runWs(o: RunFuzzOptions): Promise<FuzzReport['ws']> {
  const rng = createRng(o.seed ^ 0x5eed);
  const cases: WsFuzzCase[] = Array.from({ length: o.wsCases }, () => generateWsCase(rng));
  const report: FuzzReport['ws'] = {
    total: cases.length,
    answered: 0,
    byCode: {},
    byFamily: {},
    failures: [],
    reconnects: 0,
  };
  const url = `${o.origin.replace('http', 'ws')}/ws?token=${encodeURIComponent(o.ctx.token)}`;
  const timeoutMs = o.timeoutMs ?? 15_000;
  const connect = async (hello: boolean) => {
    const s = openSocket(url, o.origin);
    await s.opened;
    if (hello) {
      s.ws.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION }));
      const w = await s.next(timeoutMs);
      if (typeof w !== 'string' || ServerMessage.parse(JSON.parse(w)).type !== 'welcome') throw new Error('no welcome');
    }
    return s;
  };
  const workers = o.concurrency ?? 4;
  let next = 0;
  const worker = async () => {
    const sockets = { fresh: await connect(false), welcomed: await connect(true) };
    while (next < cases.length) {
      const index = next++;
      const c = cases[index]!;
      bump(report.byFamily, c.family);
      const key = c.afterHello ? 'welcomed' : 'fresh';
      const s = sockets[key];
      s.ws.send(c.frame);
      const reply = await s.next(timeoutMs);
      const fail = (what: string) => report.failures.push({ index, family: c.family, what });
      if (reply === undefined) {
        fail('no answer within the timeout');
      } else if (typeof reply !== 'string') {
        fail(`socket closed with ${reply.close} instead of an error frame`);
      } else {
        const parsed = ServerMessage.safeParse(JSON.parse(reply));
        if (!parsed.success || parsed.data.type !== 'error') {
          fail(`answered ${reply.slice(0, 200)}`);
        } else {
          bump(report.byCode, parsed.data.code);
          if (parsed.data.code === 'INTERNAL') fail(`INTERNAL: ${parsed.data.message}`);
          else report.answered++;
          const closeCode = CLOSING_CODES[parsed.data.code];
          if (closeCode !== undefined) {
            // These errors end the socket (after a mismatch the client must reload; here: reconnect).
            const closed = await s.next(timeoutMs);
            if (typeof closed === 'string' || closed?.close !== closeCode)
              fail(`${parsed.data.code} not followed by close ${closeCode}`);
          }
        }
      }
      if (s.ws.readyState !== WebSocket.OPEN) {
        s.ws.terminate();
        sockets[key] = await connect(c.afterHello);
        report.reconnects++;
      }
    }
    sockets.fresh.ws.close();
    sockets.welcomed.ws.close();
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return report;
}

/** Runs the seeded HTTP, huge-RLE and WS fuzz campaigns against a daemon on 127.0.0.1, in that order. */
export async function runFuzz(o: RunFuzzOptions): Promise<FuzzReport> {
  const t0 = Date.now();
  const http = await runHttp(o);
  const hugeRle = await runHugeRle(o);
  const ws = await runWs(o);
  return { http, hugeRle, ws, ms: Date.now() - t0 };
}
