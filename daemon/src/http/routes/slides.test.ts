import { ErrorBody, HealthResponse, SlideInfo, SlideList } from '@activeseg/protocol';
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
