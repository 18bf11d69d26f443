import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorBody } from '@activeseg/protocol';
import type { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../app.js';
import { createTempProject, type TempProject } from '../../testing/temp-project.js';
import { resolveStaticDirs, type StaticDirs } from '../static/static-dirs.js';

let t: TempProject;
let dir: string;
let dirs: StaticDirs;
let app: Hono;

const HTML = '<!doctype html><title>activeseg</title><script type="module" src="./assets/index-Ab12Cd34.js"></script>';

beforeEach(() => {
  t = createTempProject();
  dir = mkdtempSync(join(tmpdir(), 'activeseg-static-'));
  const page = join(dir, 'page');
  mkdirSync(join(page, 'assets'), { recursive: true });
  writeFileSync(join(page, 'index.html'), HTML);
  writeFileSync(join(page, 'assets', 'index-Ab12Cd34.js'), 'console.log(1)');
  writeFileSync(join(page, 'assets', 'index-Ab12Cd34.js.map'), '{}');
  writeFileSync(join(page, 'assets', 'plain.js'), 'x');
  writeFileSync(join(page, 'assets', '.hidden'), 'secret');
  writeFileSync(join(dir, 'secret.txt'), 'outside');
  symlinkSync(join(dir, 'secret.txt'), join(page, 'assets', 'link-Ab12Cd34.js'));
  const pipelines = join(dir, 'pipelines');
  mkdirSync(pipelines);
  writeFileSync(join(pipelines, 'tiff-read-image.js'), 'export default 1');
  writeFileSync(join(pipelines, 'tiff-read-image.wasm.zst'), new Uint8Array([0x28, 0xb5, 0x2f, 0xfd]));
  const bundles = join(dir, 'bundles');
  mkdirSync(bundles);
  writeFileSync(join(bundles, 'itk-wasm-pipeline.min.worker.js'), 'self.onmessage = () => {}');
  dirs = { page, imageIoPipelines: pipelines, itkWasmBundles: bundles };
  app = createApp({ project: t.project, token: t.token, allowedOrigins: new Set(), staticDirs: dirs, log: () => {} });
});
afterEach(async () => {
  await t.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const codeOf = async (res: Response) => ErrorBody.parse(await res.json()).error.code;

describe('viewer page and assets', () => {
  it('serves the page at / without a token, revalidated, with a 304 on a matching ETag', async () => {
    const res = await app.request('/?token=whatever&slide=sl_x');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(HTML);
    const again = await app.request('/', { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const head = await app.request('/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(HTML.length));
  });

  it('serves hashed assets as immutable, others as no-cache, with content types', async () => {
    const js = await app.request('/assets/index-Ab12Cd34.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log(1)');
    const map = await app.request('/assets/index-Ab12Cd34.js.map');
    expect(map.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(map.headers.get('cache-control')).toContain('immutable');
    const plain = await app.request('/assets/plain.js');
    expect(plain.headers.get('cache-control')).toBe('no-cache');
    expect((await app.request('/assets/nope-Ab12Cd34.js')).status).toBe(404);
  });

  it('refuses traversal, encoded dots, NUL, dotfiles and symlinks out of the folder', async () => {
    for (const path of [
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/assets/plain.js%00.png',
      '/assets/%70lain.js',
      '/%61ssets/plain.js',
    ]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(400);
      expect(await codeOf(res)).toBe('BAD_REQUEST');
    }
    // Literal and %2e dot segments are resolved away by the URL parser before routing.
    for (const path of ['/assets/../secret.txt', '/assets/%2e%2e/secret.txt', '/assets/.hidden']) {
      const res = await app.request(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('outside');
    }
    const link = await app.request('/assets/link-Ab12Cd34.js');
    expect(link.status).toBe(404);
  });

  it('answers a build hint page (503 HTML) when the page is not built', async () => {
    const bare = createApp({
      project: t.project,
      token: t.token,
      allowedOrigins: new Set(),
      staticDirs: { ...dirs, page: join(dir, 'missing') },
      log: () => {},
    });
    const res = await bare.request('/');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('npm run build -w viewer-plugin');
    expect((await bare.request('/assets/index-Ab12Cd34.js')).status).toBe(404);
  });
});

describe('itk-wasm vendor files', () => {
  it('serves pipelines and the worker without a token, with their content types', async () => {
    const js = await app.request('/vendor/image-io/pipelines/tiff-read-image.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const wasm = await app.request('/vendor/image-io/pipelines/tiff-read-image.wasm.zst');
    expect(wasm.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd]));
    const worker = await app.request('/vendor/itk-wasm/itk-wasm-pipeline.min.worker.js');
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await app.request('/vendor/image-io/pipelines/..%2f..%2fsecret.txt')).status).toBe(400);
    expect((await app.request('/vendor/itk-wasm/nope.js')).status).toBe(404);
  });

  it('finds the installed packages through the resolver', () => {
    const real = resolveStaticDirs();
    expect(real.imageIoPipelines).toMatch(/@itk-wasm[/\\]image-io[/\\]dist[/\\]pipelines$/);
    expect(real.itkWasmBundles).toMatch(/itk-wasm[/\\]dist[/\\]pipeline[/\\]web-workers[/\\]bundles$/);
    expect(real.page).toMatch(/viewer-plugin[/\\]dist[/\\]page$/);
  });

  it('the real app serves the real tiff pipeline', async () => {
    const real = createApp({ project: t.project, token: t.token, allowedOrigins: new Set(), log: () => {} });
    const res = await real.request('/vendor/image-io/pipelines/tiff-read-image.wasm.zst', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(100_000);
  });
});
