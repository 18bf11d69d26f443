import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorBody } from '@activeseg/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FuzzContext } from './harness/fuzz-cases.js';
import { startFuzzTarget } from './harness/fuzz-target.js';
import { rawRequest } from './harness/run-fuzz.js';
import type { DaemonProcess } from './harness/spawn-daemon.js';
import { storeDigest } from './harness/store-digest.js';

const LIMITS = { maxBodyBytes: 4096, maxAnnotationBodyBytes: 65_536, wsMaxPayloadBytes: 4096 };

let dir: string;
let daemon: DaemonProcess;
let ctx: FuzzContext;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-security-'));
  ({ daemon, ctx } = await startFuzzTarget(dir, LIMITS));
});
afterAll(async () => {
  await daemon?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: string | Uint8Array) {
  const res = await rawRequest(daemon.origin, { method, path, headers, body });
  let code: string | undefined;
  try {
    code = ErrorBody.parse(JSON.parse(res.body)).error.code;
  } catch {}
  return { ...res, code };
}

const auth = () => ({ authorization: `Bearer ${ctx.token}`, 'content-type': 'application/json' });

describe('token and origin', () => {
  it('refuses missing, wrong and misplaced tokens with 401 UNAUTHORIZED', async () => {
    const cases: [string, string, Record<string, string>][] = [
      ['GET', '/api/slides', {}],
      ['GET', '/api/slides', { authorization: 'Bearer wrong' }],
      ['GET', '/api/slides', { authorization: `Bearer ${ctx.token}x` }],
      ['GET', '/api/slides', { authorization: `Bearer ${ctx.token.slice(0, -1)}` }],
      ['GET', '/api/slides', { authorization: ctx.token }],
      ['GET', '/api/slides', { authorization: `Basic ${ctx.token}` }],
      // Query tokens only count for tile/DZI GETs and the WS upgrade.
      ['GET', `/api/slides?token=${ctx.token}`, {}],
      ['GET', `/api/annotations?slideId=${ctx.slideId}&token=${ctx.token}`, {}],
      ['POST', `/api/jobs?token=${ctx.token}`, { 'content-type': 'application/json' }],
      ['GET', `/api/slides/${ctx.slideId}/tiles/image/11/0_0.jpeg?token=wrong`, {}],
      ['GET', `/api/slides/${ctx.slideId}/tiles/image/11/0_0.jpeg`, {}],
    ];
    for (const [method, path, headers] of cases) {
      const r = await call(method, path, headers, method === 'POST' ? '{"kind":"train","mode":"scratch"}' : undefined);
      expect([path, r.status, r.code]).toEqual([path, 401, 'UNAUTHORIZED']);
    }
    expect((await call('GET', '/api/health')).status).toBe(200);
  });

  it('refuses a foreign Origin on state-changing requests with 403 ORIGIN_FORBIDDEN', async () => {
    for (const origin of [
      'http://evil.test',
      'null',
      `${daemon.origin}.evil.test`,
      daemon.origin.replace('127.0.0.1', '127.0.0.2'),
    ]) {
      const r = await call('POST', '/api/slides', { ...auth(), origin }, JSON.stringify({ path: '/nonexistent.png' }));
      expect([origin, r.status, r.code]).toEqual([origin, 403, 'ORIGIN_FORBIDDEN']);
    }
    const own = await call(
      'POST',
      '/api/slides',
      { ...auth(), origin: daemon.origin },
      JSON.stringify({ path: '/nonexistent.png' }),
    );
    expect(own.code).toBe('SLIDE_FILE_NOT_FOUND');
  });

  it('refuses WS upgrades without token, with a wrong token or a foreign Origin before accepting them', async () => {
    const wsUrl = `${daemon.origin.replace('http', 'ws')}/ws`;
    const attempt = (url: string, origin?: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url, origin ? { origin } : {});
        ws.once('open', () => {
          ws.close();
          resolve('open');
        });
        ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
        ws.once('error', (e) => resolve(`error ${e.message}`));
      });
    expect(await attempt(wsUrl, daemon.origin)).toBe('401');
    expect(await attempt(`${wsUrl}?token=wrong`, daemon.origin)).toBe('401');
    expect(await attempt(`${wsUrl}?token=${ctx.token}`, 'http://evil.test')).toBe('403');
    expect(await attempt(`${wsUrl}?token=${ctx.token}`, 'null')).toBe('403');
    expect(await attempt(`${wsUrl}?token=${ctx.token}`, daemon.origin)).toBe('open');
  });
});

describe('path traversal on slide and tile routes', () => {
  const traversals = [
    '..',
    '%2e%2e',
    '%2E%2E',
    '..%2f..%2f..%2fetc%2fpasswd',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '%2fetc%2fpasswd',
    '%00',
    'sl_x%00.png',
    '....%2f%2f',
    '%252e%252e',
    '..%5c..%5cwindows',
  ];
  it('never serves anything but an error for traversal slide ids, layers, levels and tile names', async () => {
    const t = `token=${ctx.token}`;
    const paths: string[] = [];
    for (const seg of traversals) {
      paths.push(
        `/api/slides/${seg}`,
        `/api/slides/${seg}/image.dzi?${t}`,
        `/api/slides/${seg}/tiles/image/11/0_0.jpeg?${t}`,
        `/api/slides/${ctx.slideId}/tiles/${seg}/11/0_0.png?${t}`,
        `/api/slides/${ctx.slideId}/tiles/image/${seg}/0_0.jpeg?${t}`,
        `/api/slides/${ctx.slideId}/tiles/image/11/${seg}?${t}`,
        `/api/slides/${ctx.slideId}/tiles/image/11/${seg}0_0.jpeg?${t}`,
        `/api/annotations?slideId=${seg}`,
        `/api/suggestions?slideId=${seg}`,
        `/api/jobs/${seg}`,
      );
    }
    // Literal dot segments (sent raw, not normalised by a URL parser), absolute paths and a query-token detour.
    paths.push(
      `/api/slides/${ctx.slideId}/tiles/image/11/../../../../../etc/passwd?${t}`,
      `/api/slides/${ctx.slideId}/tiles/../../../api/annotations?slideId=${ctx.slideId}&${t}`,
      `/api/slides/x/tiles/../../../api/slides?${t}`,
      `/api/slides//etc/passwd/image.dzi?${t}`,
      `/api/slides/${ctx.slideId}/tiles/image/11//etc/passwd?${t}`,
      `/api/slides/${ctx.slideId}/tiles/image/11/0_0.jpeg%00.png?${t}`,
    );
    for (const path of paths) {
      const r = await call('GET', path, path.includes('token=') ? {} : auth());
      expect([path, r.status >= 400 && r.status < 500, r.code !== undefined]).toEqual([path, true, true]);
      expect(r.body).not.toMatch(/root:|\[extensions\]/);
    }
  });

  it('slide paths with null bytes, traversal or non-images are refused and leave no slide behind', async () => {
    const before = storeDigest(dir);
    const expectCode: [string, string][] = [
      ['/etc/passwd\u0000.png', 'SLIDE_FILE_NOT_FOUND'],
      [`${dir}/../../../../etc/passwd`, 'SLIDE_UNSUPPORTED_FORMAT'],
      // A folder is read as a stack of sections: /etc's first file is not an image, and nothing is written.
      ['/etc', 'SLIDE_UNSUPPORTED_FORMAT'],
      ['/dev/zero', 'SLIDE_FILE_NOT_FOUND'],
      ['relative/../x.png', 'SLIDE_FILE_NOT_FOUND'],
      [join(dir, 'activeseg.db'), 'SLIDE_UNSUPPORTED_FORMAT'],
    ];
    for (const [path, code] of expectCode) {
      const r = await call('POST', '/api/slides', auth(), JSON.stringify({ path }));
      expect([path, r.code]).toEqual([path, code]);
    }
    for (const name of ['..', '../../etc/passwd', '..%2f..%2fx.png', '%2fetc%2fpasswd', 'a%00.png', '%2e%2e']) {
      const r = await call(
        'POST',
        `/api/uploads?name=${name}`,
        { ...auth(), 'content-type': 'application/octet-stream' },
        'x',
      );
      expect([name, r.status, r.code]).toEqual([name, 400, 'BAD_REQUEST']);
    }
    expect(storeDigest(dir)).toEqual(before);
  });
});

describe('oversized payloads', () => {
  it('answers HTTP bodies over the limit with 413 PAYLOAD_TOO_LARGE and Connection: close', async () => {
    const big = JSON.stringify({ path: 'a'.repeat(LIMITS.maxBodyBytes) });
    for (const route of ['/api/slides', '/api/jobs', `/api/jobs/jb_x/cancel`]) {
      const r = await call('POST', route, auth(), big);
      expect([route, r.status, r.code]).toEqual([route, 413, 'PAYLOAD_TOO_LARGE']);
    }
    const ann = JSON.stringify({ clientId: 'x'.repeat(LIMITS.maxAnnotationBodyBytes) });
    const r = await call('POST', '/api/annotations', auth(), ann);
    expect([r.status, r.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    // The same body under the annotation limit is only a schema error.
    const ok = await call(
      'POST',
      '/api/annotations',
      auth(),
      JSON.stringify({ clientId: 'x'.repeat(LIMITS.maxBodyBytes) }),
    );
    expect(ok.code).toBe('BAD_REQUEST');
    // Chunked (no Content-Length) bodies are counted too.
    const chunked = await fetch(`${daemon.origin}/api/slides`, {
      method: 'POST',
      headers: auth(),
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(chunked.headers.get('connection')).toBe('close');
    expect(ErrorBody.parse(await chunked.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('closes a WS whose frame is over wsMaxPayloadBytes with 1009, and keeps serving others', async () => {
    const url = `${daemon.origin.replace('http', 'ws')}/ws?token=${ctx.token}`;
    const ws = new WebSocket(url, { origin: daemon.origin });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ type: 'hello', protocolVersion: 1, daemonId: 'd'.repeat(LIMITS.wsMaxPayloadBytes) }));
    expect(await closed).toBe(1009);
    expect((await call('GET', '/api/health')).status).toBe(200);
  });

  it('unknown routes and methods answer 404 NOT_FOUND with an ErrorBody', async () => {
    for (const [m, p] of [
      ['GET', '/nope'],
      ['GET', '/api/nope'],
      ['DELETE', '/api/slides'],
      ['PUT', `/api/slides/${ctx.slideId}`],
    ] as const) {
      const r = await call(m, p, auth());
      expect([m, p, r.status, r.code]).toEqual([m, p, 404, 'NOT_FOUND']);
    }
  });
});
