import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorBody, SlideInfo, SlideList } from '@activeseg/protocol';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { DaemonConfig } from '../../config.js';
import { createTempProject, DEMO_IMAGE, type TempProject } from '../../testing/temp-project.js';

let t: TempProject | undefined;
const open = (config: Partial<DaemonConfig> = {}) => {
  t = createTempProject({ config });
  return t;
};
afterEach(() => t?.dispose());

const raw = (p: TempProject, extra: Record<string, string> = {}) => ({
  authorization: p.auth.authorization!,
  'content-type': 'application/octet-stream',
  ...extra,
});
const upload = (p: TempProject, name: string, body: RequestInit['body'], headers = raw(p)) =>
  p.app.request(`/api/uploads?name=${encodeURIComponent(name)}`, { method: 'POST', headers, body });
const errorOf = async (res: Response) => ErrorBody.parse(await res.json()).error;
/** Nothing of a failed upload may stay behind: no temp file, no slide folder, no row. */
const expectNoLeftovers = async (p: TempProject) => {
  const dir = join(p.dir, 'slides');
  expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  const list = SlideList.parse(await (await p.app.request('/api/slides', { headers: p.auth })).json());
  expect(list.slides).toEqual([]);
};

const tiff = (background = '#5a5a5a') =>
  sharp({ create: { width: 300, height: 200, channels: 3, background } })
    .toColourspace('b-w')
    .tiff({ tile: true, tileWidth: 256, tileHeight: 256 })
    .toBuffer();

describe('POST /api/uploads', () => {
  it('stores a TIFF sent as raw bytes and answers 201 SlideInfo; tiles are served from it', async () => {
    const p = open();
    const res = await upload(p, 'my slide.TIF', new Uint8Array(await tiff()));
    expect(res.status).toBe(201);
    const slide = SlideInfo.parse(await res.json());
    expect(slide).toMatchObject({ name: 'my slide.TIF', width: 300, height: 200, format: 'tiff' });
    expect(readdirSync(join(p.dir, 'slides', slide.id)).sort()).toEqual(['upload-sha256.txt', 'upload.tif']);
    const stored = readFileSync(join(p.dir, 'slides', slide.id, 'upload.tif'));
    expect(readFileSync(join(p.dir, 'slides', slide.id, 'upload-sha256.txt'), 'utf8')).toBe(
      createHash('sha256').update(stored).digest('hex'),
    );
    const list = SlideList.parse(await (await p.app.request('/api/slides', { headers: p.auth })).json());
    expect(list.slides.map((s) => s.id)).toEqual([slide.id]);
    const tile = await p.app.request(`/api/slides/${slide.id}/tiles/image/${slide.levels - 1}/0_0.jpeg`, {
      headers: p.auth,
    });
    expect(tile.status).toBe(200);
  });

  it('is not bound by the JSON body limit, only by maxUploadBytes', async () => {
    const p = open({ maxBodyBytes: 1024 });
    const png = readFileSync(DEMO_IMAGE);
    expect(png.length).toBeGreaterThan(1024);
    const res = await upload(p, 'demo.png', png);
    expect(res.status).toBe(201);
    expect(SlideInfo.parse(await res.json())).toMatchObject({ width: 1541, height: 1096, format: 'png' });
  });

  it('refuses bodies over maxUploadBytes, by Content-Length or while streaming, and keeps nothing', async () => {
    const p = open({ maxUploadBytes: 1000 });
    const declared = await upload(p, 'big.tif', new Uint8Array(1001));
    expect(declared.status).toBe(413);
    expect((await errorOf(declared)).code).toBe('PAYLOAD_TOO_LARGE');
    // No Content-Length: the route counts bytes as they arrive.
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 4000) controller.close();
        else {
          sent += 400;
          controller.enqueue(new Uint8Array(400));
        }
      },
    });
    const streamed = await p.app.request('/api/uploads?name=big.tif', {
      method: 'POST',
      headers: raw(p),
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await errorOf(streamed)).code).toBe('PAYLOAD_TOO_LARGE');
    expect(sent).toBeLessThan(4000);
    await expectNoLeftovers(p);
  });

  it('answers the same format errors as POST /api/slides and removes the upload', async () => {
    const p = open();
    const garbage = new TextEncoder().encode('this is not an image at all, just some text bytes');
    const truncated = readFileSync(DEMO_IMAGE).subarray(0, 20_000);
    for (const [name, bytes, code, status] of [
      ['notes.tif', garbage, 'SLIDE_UNSUPPORTED_FORMAT', 415],
      ['cut.png', truncated, 'SLIDE_CORRUPT', 422],
    ] as const) {
      const res = await upload(p, name, bytes);
      expect(res.status).toBe(status);
      const err = await errorOf(res);
      expect(err.code).toBe(code);
      expect(err.message).toContain(name);
      // The path route on the same bytes gives the same code.
      const file = join(p.dir, name);
      writeFileSync(file, bytes);
      const viaPath = await p.app.request('/api/slides', {
        method: 'POST',
        headers: p.auth,
        body: JSON.stringify({ path: file }),
      });
      expect((await errorOf(viaPath)).code).toBe(code);
    }
    await expectNoLeftovers(p);
  });

  it('SLIDE_TOO_LARGE over maxSlidePixels', async () => {
    const p = open({ maxSlidePixels: 10_000 });
    const res = await upload(p, 'a.tif', new Uint8Array(await tiff()));
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('SLIDE_TOO_LARGE');
    await expectNoLeftovers(p);
  });

  it('validates the name and the body', async () => {
    const p = open();
    const bytes = new Uint8Array(await tiff());
    for (const name of ['../x.tif', 'a/b.tif', 'a\\b.tif', '..', 'a\u0000.tif', 'x'.repeat(257)]) {
      const res = await upload(p, name, bytes);
      expect(res.status, name).toBe(400);
      expect((await errorOf(res)).code).toBe('BAD_REQUEST');
    }
    const noName = await p.app.request('/api/uploads', { method: 'POST', headers: raw(p), body: bytes });
    expect((await errorOf(noName)).field).toBe('name');
    const empty = await upload(p, 'e.tif', new Uint8Array(0));
    expect(empty.status).toBe(400);
    const form = await upload(p, 'f.tif', bytes, raw(p, { 'content-type': 'multipart/form-data; boundary=x' }));
    expect(form.status).toBe(400);
    expect((await errorOf(form)).field).toBe('content-type');
    await expectNoLeftovers(p);
  });

  it('needs the token (header only) and checks Origin like other POSTs', async () => {
    const p = open();
    const bytes = new Uint8Array(await tiff());
    const none = await upload(p, 'a.tif', bytes, { 'content-type': 'application/octet-stream' } as never);
    expect(none.status).toBe(401);
    const query = await p.app.request(`/api/uploads?name=a.tif&token=${p.token}`, { method: 'POST', body: bytes });
    expect(query.status).toBe(401);
    const foreign = await upload(p, 'a.tif', bytes, raw(p, { origin: 'http://evil.test' }));
    expect(foreign.status).toBe(403);
    expect((await errorOf(foreign)).code).toBe('ORIGIN_FORBIDDEN');
    await expectNoLeftovers(p);
    const allowed = await upload(p, 'a.tif', bytes, raw(p, { origin: 'http://viewer.test' }));
    expect(allowed.status).toBe(201);
  });

  it('refuses an announced size over maxUploadBytes before reading a byte', async () => {
    const p = open({ maxUploadBytes: 1000 });
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 10) controller.close();
        else controller.enqueue(new Uint8Array(50));
      },
    });
    const res = await p.app.request('/api/uploads?name=big.tif&size=1001', {
      method: 'POST',
      headers: raw(p),
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('PAYLOAD_TOO_LARGE');
    // A ReadableStream pulls once on its own to fill its queue; the route never reads.
    expect(pulled).toBeLessThanOrEqual(1);
    await expectNoLeftovers(p);
  });

  it('a body shorter than the announced size is UPLOAD_TRUNCATED and leaves nothing', async () => {
    const p = open();
    const bytes = new Uint8Array(await tiff());
    const res = await p.app.request(`/api/uploads?name=a.tif&size=${bytes.length + 10}`, {
      method: 'POST',
      headers: raw(p),
      body: bytes,
    });
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err).toMatchObject({ code: 'UPLOAD_TRUNCATED', field: 'size' });
    expect(err.message).toContain(`${bytes.length} of the announced ${bytes.length + 10} bytes`);
    await expectNoLeftovers(p);
    const mismatch = await p.app.request('/api/uploads?name=a.tif&size=5', {
      method: 'POST',
      headers: { ...raw(p), 'content-length': String(bytes.length) },
      body: bytes,
    });
    expect(mismatch.status).toBe(400);
    expect((await errorOf(mismatch)).field).toBe('size');
    await expectNoLeftovers(p);
  });

  it('duplicate=refuse answers SLIDE_DUPLICATE naming the slide with the same bytes, keeps nothing; add adds it', async () => {
    const p = open();
    const bytes = new Uint8Array(await tiff());
    const first = SlideInfo.parse(await (await upload(p, 'first.tif', bytes)).json());
    const refuse = (name: string, body: Uint8Array) =>
      p.app.request(`/api/uploads?name=${name}&size=${body.length}&duplicate=refuse`, {
        method: 'POST',
        headers: raw(p),
        body,
      });
    // Same bytes under another name: still the same file.
    const again = await refuse('renamed.tif', bytes);
    expect(again.status).toBe(409);
    const err = await errorOf(again);
    expect(err.code).toBe('SLIDE_DUPLICATE');
    expect(err.message).toContain('“first.tif”');
    expect(err.message).toContain(first.id);
    expect(readdirSync(join(p.dir, 'slides'))).toEqual([first.id]);
    // Other pixels are another file.
    const different = await refuse('other.tif', new Uint8Array(await tiff('#5b5b5b')));
    expect(different.status).toBe(201);
    // Asked and confirmed: the default (add) adds the same bytes again.
    const added = await upload(p, 'first.tif', bytes);
    expect(added.status).toBe(201);
    const list = SlideList.parse(await (await p.app.request('/api/slides', { headers: p.auth })).json());
    expect(list.slides.map((s) => s.name).sort()).toEqual(['first.tif', 'first.tif', 'other.tif']);
  });

  it('a deleted slide no longer counts as a duplicate', async () => {
    const p = open();
    const bytes = new Uint8Array(await tiff());
    const first = SlideInfo.parse(await (await upload(p, 'a.tif', bytes)).json());
    const del = await p.app.request(`/api/slides/${first.id}`, { method: 'DELETE', headers: p.auth });
    expect(del.status).toBe(200);
    const res = await p.app.request(`/api/uploads?name=a.tif&duplicate=refuse`, {
      method: 'POST',
      headers: raw(p),
      body: bytes,
    });
    expect(res.status).toBe(201);
  });
});
