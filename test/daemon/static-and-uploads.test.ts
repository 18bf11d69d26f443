import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorBody, SlideInfo } from '@activeseg/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StartServerResult, startServer } from '../../daemon/src/server.js';

const DEMO = new URL('../../demo/axondeepseg-sem/images/sub-rat8_sample-V915.png', import.meta.url).pathname;

let dir: string;
let server: StartServerResult;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-static-'));
  server = await startServer({ projectDir: dir, port: 0, host: '127.0.0.1', log: () => {} });
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A request whose path goes on the wire exactly as written (fetch would normalise `..` away first). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static files and uploads on a real socket', () => {
  it('never serves a file outside the page or vendor folders, whatever the raw path', async () => {
    for (const path of [
      '/assets/../../package.json',
      '/assets/../../../daemon/src/config.ts',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets/..\\..\\package.json',
      '/vendor/itk-wasm/../../../../package.json',
      '/vendor/image-io/pipelines/..%2f..%2fpackage.json',
      '/vendor/image-io/pipelines/tiff-read-image.js%00',
    ]) {
      const res = await rawGet(path);
      expect([400, 404], path).toContain(res.status);
      expect(res.body, path).not.toContain('"workspaces"');
      expect(res.body, path).not.toContain('maxUploadBytes');
    }
  });

  it('serves the itk-wasm worker and a pipeline without a token', async () => {
    const worker = await fetch(`${server.origin}/vendor/itk-wasm/itk-wasm-pipeline.min.worker.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const wasm = await fetch(`${server.origin}/vendor/image-io/pipelines/tiff-read-image.wasm.zst`, {
      method: 'HEAD',
    });
    expect(wasm.headers.get('content-type')).toBe('application/octet-stream');
  });

  it('streams an upload over HTTP and ingests it; a foreign Origin is refused', async () => {
    const bytes = readFileSync(DEMO);
    const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/octet-stream' };
    const foreign = await fetch(`${server.origin}/api/uploads?name=demo.png`, {
      method: 'POST',
      headers: { ...headers, origin: 'http://evil.test' },
      body: bytes,
    });
    expect(foreign.status).toBe(403);
    expect(ErrorBody.parse(await foreign.json()).error.code).toBe('ORIGIN_FORBIDDEN');
    const res = await fetch(`${server.origin}/api/uploads?name=demo.png`, {
      method: 'POST',
      headers: { ...headers, origin: server.origin },
      body: bytes,
    });
    expect(res.status).toBe(201);
    expect(SlideInfo.parse(await res.json())).toMatchObject({ name: 'demo.png', width: 1541, height: 1096 });
  });
});
