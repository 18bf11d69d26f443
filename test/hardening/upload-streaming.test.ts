import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorBody, SlideList } from '@activeseg/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssMb } from './harness/run-abuse.js';
import { type DaemonProcess, spawnDaemon } from './harness/spawn-daemon.js';

/**
 * `POST /api/uploads` on a real socket against a daemon in its own process, so its resident memory is its own:
 * a 200 MB body streams through with the daemon's RSS flat (the body is never buffered), and a client that
 * vanishes mid-body leaves no temp file, folder or row behind.
 */
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir = '';
let daemon: DaemonProcess | undefined;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-upload-stream-'));
  daemon = await spawnDaemon({ projectDir: dir });
});
afterAll(async () => {
  await daemon?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every file under the project's slides folder (temp files included). */
const slideFiles = () => {
  const root = join(dir, 'slides');
  return existsSync(root) ? readdirSync(root, { recursive: true }).map(String) : [];
};

interface SendResult {
  status: number;
  body: string;
}

/**
 * Sends `totalBytes` of `chunk` repeated, honouring the socket's back-pressure (as a browser streaming a File does);
 * `abortAfterBytes` destroys the socket once that much is written, as a closed tab would.
 */
function sendBody(options: {
  d: DaemonProcess;
  path: string;
  totalBytes: number;
  chunk: Buffer;
  abortAfterBytes?: number;
}): Promise<SendResult | 'aborted'> {
  const { d, chunk } = options;
  const url = new URL(options.path, d.origin);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: {
          authorization: `Bearer ${d.token}`,
          'content-type': 'application/octet-stream',
          'content-length': String(options.totalBytes),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    let sent = 0;
    req.on('error', (err) => (options.abortAfterBytes === undefined ? reject(err) : resolve('aborted')));
    const pump = () => {
      while (sent < options.totalBytes) {
        if (options.abortAfterBytes !== undefined && sent >= options.abortAfterBytes) {
          req.destroy();
          resolve('aborted');
          return;
        }
        const part = chunk.subarray(0, Math.min(chunk.length, options.totalBytes - sent));
        sent += part.length;
        if (!req.write(part)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe('streamed uploads on a real socket', () => {
  it('a 200 MB body streams with the daemon RSS bounded (+<64 MB), and a body that is no image leaves nothing', async () => {
    const d = daemon!;
    // Not an image (so ingest refuses it once every byte is on disk): this measures the streaming alone.
    const chunk = Buffer.alloc(MB, 0x5a);
    // The first upload loads the route's code (sharp, hashing): ~80 MB once, whatever the body's size.
    await sendBody({ d, path: '/api/uploads?name=warm.tif', totalBytes: 64 * MB, chunk });
    const before = rssMb(d.child.pid!);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMb(d.child.pid!));
    }, 50);
    const started = performance.now();
    const res = await sendBody({ d, path: '/api/uploads?name=big.tif&size=209715200', totalBytes: 200 * MB, chunk });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, rssMb(d.child.pid!));
    console.log(
      `[upload-streaming] 200 MB in ${seconds.toFixed(1)} s (${(200 / seconds).toFixed(0)} MB/s); daemon RSS ${before} → peak ${peak} MB (+${peak - before})`,
    );
    expect(res).not.toBe('aborted');
    const { status, body } = res as SendResult;
    expect(status).toBe(415);
    expect(ErrorBody.parse(JSON.parse(body)).error).toMatchObject({ code: 'SLIDE_UNSUPPORTED_FORMAT' });
    expect(peak - before).toBeLessThan(64);
    expect(slideFiles()).toEqual([]);
  });

  it('a client that disconnects mid-upload leaves no temp file, no folder and no row; the daemon keeps serving', async () => {
    const d = daemon!;
    const outcome = await sendBody({
      d,
      path: '/api/uploads?name=gone.tif',
      totalBytes: 50 * MB,
      chunk: Buffer.alloc(MB, 0x11),
      abortAfterBytes: 8 * MB,
    });
    expect(outcome).toBe('aborted');
    // The daemon notices the closed socket asynchronously; its clean-up must finish shortly after.
    const deadline = Date.now() + 10_000;
    while (slideFiles().length > 0 && Date.now() < deadline) await sleep(50);
    expect(slideFiles()).toEqual([]);
    const list = await fetch(`${d.origin}/api/slides`, { headers: d.headers() });
    expect(list.status).toBe(200);
    expect(SlideList.parse(await list.json()).slides).toEqual([]);
  });
});
