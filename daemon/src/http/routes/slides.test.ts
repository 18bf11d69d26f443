import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteSlideResult, ErrorBody, HealthResponse, SlideInfo, SlideList } from '@activeseg/protocol';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempProject, DEMO_IMAGE, type TempProject } from '../../testing/temp-project.js';

let t: TempProject;
beforeEach(() => {
  t = createTempProject();
});
afterEach(() => t.dispose());

const addDemo = async () => {
  const res = await t.app.request('/api/slides', {
    method: 'POST',
    headers: t.auth,
    body: JSON.stringify({ path: DEMO_IMAGE }),
  });
  expect(res.status).toBe(201);
  return SlideInfo.parse(await res.json());
};

describe('slides routes', () => {
  it('adds a folder of same-sized sections as one volume; a folder with an odd-sized section leaves nothing', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'activeseg-sections-'));
    try {
      const crop = (left: number, width = 300) =>
        sharp(DEMO_IMAGE).extract({ left, top: 0, width, height: 200 }).greyscale().png();
      await crop(0).toFile(join(folder, 'z01.png'));
      await crop(50).toFile(join(folder, 'z02.png'));
      const ok = await t.app.request('/api/slides', {
        method: 'POST',
        headers: t.auth,
        body: JSON.stringify({ path: folder }),
      });
      expect(ok.status).toBe(201);
      expect(SlideInfo.parse(await ok.json())).toMatchObject({ width: 300, height: 200, sections: 2, format: 'tiff' });

      await crop(90, 299).toFile(join(folder, 'z03.png'));
      const before = readdirSync(join(t.dir, 'slides'));
      const bad = await t.app.request('/api/slides', {
        method: 'POST',
        headers: t.auth,
        body: JSON.stringify({ path: folder }),
      });
      expect(bad.status).toBe(422);
      const { error } = ErrorBody.parse(await bad.json());
      expect(error).toMatchObject({ code: 'SLIDE_SECTIONS_MISMATCH', field: 'path' });
      expect(error.message).toContain(join(folder, 'z03.png'));
      const list = SlideList.parse(await (await t.app.request('/api/slides', { headers: t.auth })).json());
      expect(list.slides).toHaveLength(1);
      expect(readdirSync(join(t.dir, 'slides'))).toEqual(before);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('health needs no token', async () => {
    const res = await t.app.request('/api/health');
    expect(HealthResponse.parse(await res.json())).toEqual({ ok: true, protocolVersion: 1 });
  });

  it('adds, lists and gets a slide', async () => {
    const slide = await addDemo();
    expect(slide).toMatchObject({ width: 1541, height: 1096, tileSize: 256, levels: 12, format: 'png' });
    const list = SlideList.parse(await (await t.app.request('/api/slides', { headers: t.auth })).json());
    expect(list.slides.map((s) => s.id)).toEqual([slide.id]);
    const one = await t.app.request(`/api/slides/${slide.id}`, { headers: t.auth });
    expect(SlideInfo.parse(await one.json())).toEqual(slide);
  });

  it('answers validation and not-found errors with the protocol envelope', async () => {
    const bad = await t.app.request('/api/slides', { method: 'POST', headers: t.auth, body: JSON.stringify({}) });
    expect(bad.status).toBe(400);
    expect(ErrorBody.parse(await bad.json()).error).toMatchObject({ code: 'BAD_REQUEST', field: 'path' });
    const malformed = await t.app.request('/api/slides', { method: 'POST', headers: t.auth, body: '{nope' });
    expect(ErrorBody.parse(await malformed.json()).error.code).toBe('BAD_REQUEST');
    const missing = await t.app.request('/api/slides', {
      method: 'POST',
      headers: t.auth,
      body: JSON.stringify({ path: '/definitely/not/here.tif' }),
    });
    expect(missing.status).toBe(422);
    expect(ErrorBody.parse(await missing.json()).error.code).toBe('SLIDE_FILE_NOT_FOUND');
    const nf = await t.app.request('/api/slides/sl_unknown', { headers: t.auth });
    expect(nf.status).toBe(404);
    expect(ErrorBody.parse(await nf.json()).error.code).toBe('SLIDE_NOT_FOUND');
    const traversal = await t.app.request('/api/slides/..%2F..%2Fetc', { headers: t.auth });
    expect(traversal.status).toBe(400);
    const route = await t.app.request('/api/nothing', { headers: t.auth });
    expect(ErrorBody.parse(await route.json()).error.code).toBe('NOT_FOUND');
  });

  it('rejects oversized bodies with PAYLOAD_TOO_LARGE', async () => {
    const res = await t.app.request('/api/slides', {
      method: 'POST',
      headers: t.auth,
      body: JSON.stringify({ path: 'x'.repeat(2 << 20) }),
    });
    expect(res.status).toBe(413);
    expect(ErrorBody.parse(await res.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('serves the DZI descriptor and image tiles (cached on disk), ?token= allowed for tiles', async () => {
    const slide = await addDemo();
    const dzi = await t.app.request(`/api/slides/${slide.id}/image.dzi?token=${t.token}`);
    expect(dzi.headers.get('content-type')).toContain('xml');
    expect(await dzi.text()).toContain('<Size Width="1541" Height="1096"/>');
    const url = `/api/slides/${slide.id}/tiles/image/11/6_4.jpeg?token=${t.token}`;
    const first = await t.app.request(url);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await first.arrayBuffer());
    expect(await sharp(bytes).metadata()).toMatchObject({ width: 5, height: 72 });
    const second = Buffer.from(await (await t.app.request(url)).arrayBuffer());
    expect(second.equals(bytes)).toBe(true);
    const png = await t.app.request(`/api/slides/${slide.id}/tiles/image/0/0_0.png`, { headers: t.auth });
    expect(await sharp(Buffer.from(await png.arrayBuffer())).metadata()).toMatchObject({ format: 'png', width: 1 });
    const out = await t.app.request(`/api/slides/${slide.id}/tiles/image/11/7_0.jpeg`, { headers: t.auth });
    expect(ErrorBody.parse(await out.json()).error.code).toBe('TILE_OUT_OF_RANGE');
    const noOverlay = await t.app.request(`/api/slides/${slide.id}/tiles/uncertainty/11/0_0.png`, {
      headers: t.auth,
    });
    expect(ErrorBody.parse(await noOverlay.json()).error.code).toBe('LAYER_NOT_AVAILABLE');
    const badTile = await t.app.request(`/api/slides/${slide.id}/tiles/image/11/..%2F0.jpeg`, { headers: t.auth });
    expect(badTile.status).toBe(400);
  });
});

describe('DELETE /api/slides/:slideId', () => {
  const annotate = (slideId: string, clientId: string) =>
    t.app.request('/api/annotations', {
      method: 'POST',
      headers: t.auth,
      body: JSON.stringify({
        slideId,
        region: { x: 0, y: 0, width: 4, height: 2 },
        mask: { encoding: 'rle', counts: [3, 5] },
        clientId,
      }),
    });
  const del = (slideId: string, query = '') =>
    t.app.request(`/api/slides/${slideId}${query}`, { method: 'DELETE', headers: t.auth });

  it('removes the rows and every derived file, keeps the source, broadcasts slide.removed', async () => {
    const slide = await addDemo();
    const tile = await t.app.request(`/api/slides/${slide.id}/tiles/image/${slide.levels - 1}/0_0.jpeg`, {
      headers: t.auth,
    });
    expect(tile.status).toBe(200);
    const derived = t.project.paths.slideFolders(slide.id);
    expect(derived.some((d) => existsSync(d))).toBe(true);
    const seqBefore = t.project.hub.currentSeq();
    const res = await del(slide.id);
    expect(res.status).toBe(200);
    expect(DeleteSlideResult.parse(await res.json())).toEqual({ id: slide.id, deletedAnnotations: 0 });
    expect(derived.filter((d) => existsSync(d))).toEqual([]);
    expect(existsSync(DEMO_IMAGE)).toBe(true);
    const gone = await t.app.request(`/api/slides/${slide.id}`, { headers: t.auth });
    expect(ErrorBody.parse(await gone.json()).error.code).toBe('SLIDE_NOT_FOUND');
    expect(t.project.hub.currentSeq()).toBe(seqBefore + 1);
    expect((await del(slide.id)).status).toBe(404);
  });

  it('refuses a slide with annotations unless force=true, then deletes them with it', async () => {
    const slide = await addDemo();
    expect((await annotate(slide.id, 'delete-me-0001')).status).toBe(201);
    const refused = await del(slide.id);
    expect(refused.status).toBe(409);
    expect(ErrorBody.parse(await refused.json()).error).toMatchObject({
      code: 'SLIDE_HAS_ANNOTATIONS',
      message: expect.stringMatching(/1 annotation\(s\); delete with \?force=true/),
    });
    expect(t.project.store.annotations.count()).toBe(1);
    const forced = await del(slide.id, '?force=true');
    expect(DeleteSlideResult.parse(await forced.json())).toEqual({ id: slide.id, deletedAnnotations: 1 });
    expect(t.project.store.annotations.count()).toBe(0);
    expect(existsSync(join(t.dir, 'annotations', slide.id))).toBe(false);
  });

  it('removes an uploaded slide file (the space it frees) and needs the token', async () => {
    const up = await t.app.request('/api/uploads?name=demo.png', {
      method: 'POST',
      headers: { authorization: t.auth.authorization!, 'content-type': 'application/octet-stream' },
      body: readFileSync(DEMO_IMAGE),
    });
    const slide = SlideInfo.parse(await up.json());
    expect(existsSync(join(t.dir, 'slides', slide.id, 'upload.png'))).toBe(true);
    expect((await t.app.request(`/api/slides/${slide.id}`, { method: 'DELETE' })).status).toBe(401);
    expect((await del(slide.id, '?force=maybe')).status).toBe(400);
    expect((await del(slide.id)).status).toBe(200);
    expect(existsSync(join(t.dir, 'slides', slide.id))).toBe(false);
  });
});
