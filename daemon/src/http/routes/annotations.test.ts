import { existsSync } from 'node:fs';
import { AnnotationAck, AnnotationList, ErrorBody } from '@activeseg/protocol';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPatchLabels } from '../../project/load-patch-labels.js';
import { addDemoSlide, createTempProject, type TempProject } from '../../testing/temp-project.js';

let t: TempProject;
let slideId: string;
beforeEach(async () => {
  t = createTempProject({ config: { maxAnnotationPixels: 1000 * 1000 } });
  slideId = (await addDemoSlide(t)).id;
});
afterEach(() => t.dispose());

const post = (body: unknown) =>
  t.app.request('/api/annotations', { method: 'POST', headers: t.auth, body: JSON.stringify(body) });

describe('POST /api/annotations', () => {
  it('stores an RLE annotation spanning patches and acks with partial coverage', async () => {
    // 4 × 2 region straddling the 512 grid corner: first row background, second row myelin.
    const body = {
      slideId,
      region: { x: 510, y: 511, width: 4, height: 2 },
      mask: { encoding: 'rle', counts: [4, 4] },
      clientId: 'client-rle-0001',
    };
    const res = await post(body);
    expect(res.status).toBe(201);
    const ack = AnnotationAck.parse(await res.json());
    expect(ack.patches).toEqual([
      { col: 0, row: 0, x: 0, y: 0, size: 512, coveredPixels: 2 },
      { col: 1, row: 0, x: 512, y: 0, size: 512, coveredPixels: 2 },
      { col: 0, row: 1, x: 0, y: 512, size: 512, coveredPixels: 2 },
      { col: 1, row: 1, x: 512, y: 512, size: 512, coveredPixels: 2 },
    ]);
    const stored = t.project.store.annotations.get(ack.id)!;
    expect(existsSync(t.project.paths.fromStored(stored.maskPath))).toBe(true);
    expect(stored.foregroundPixels).toBe(4);

    const labels = await loadPatchLabels(t.project, { slideId, col: 1, row: 1, size: 512 });
    expect(labels.weight.reduce((a, b) => a + b, 0)).toBe(2);
    expect([labels.weight[0], labels.labels[0], labels.weight[1], labels.labels[1], labels.weight[2]]).toEqual([
      1, 1, 1, 1, 0,
    ]);
    const top = await loadPatchLabels(t.project, { slideId, col: 1, row: 0, size: 512 });
    expect([top.weight[511 * 512], top.labels[511 * 512]]).toEqual([1, 0]);

    // Same clientId again: same ack, nothing new stored.
    const again = await post(body);
    expect(again.status).toBe(200);
    expect(AnnotationAck.parse(await again.json())).toEqual(ack);
    expect(t.project.store.annotations.count()).toBe(1);
    const conflict = await post({ ...body, region: { ...body.region, x: 0 } });
    expect(conflict.status).toBe(409);
    expect(ErrorBody.parse(await conflict.json()).error.code).toBe('IDEMPOTENCY_CONFLICT');

    const list = AnnotationList.parse(
      await (await t.app.request(`/api/annotations?slideId=${slideId}`, { headers: t.auth })).json(),
    );
    expect(list.annotations).toEqual([ack]);
  });

  it('accepts a PNG mask with 0/255 values', async () => {
    const raw = new Uint8Array(16).map((_, i) => (i % 2 ? 255 : 0));
    const png = await sharp(raw, { raw: { width: 4, height: 4, channels: 1 } })
      .png()
      .toBuffer();
    const res = await post({
      slideId,
      region: { x: 0, y: 0, width: 4, height: 4 },
      mask: { encoding: 'png-base64', data: png.toString('base64') },
      clientId: 'client-png-0001',
    });
    expect(res.status).toBe(201);
    expect(t.project.store.annotations.getByClientId('client-png-0001')?.foregroundPixels).toBe(8);
  });

  it.each([
    [
      'out of bounds',
      { x: 1540, y: 0, width: 4, height: 1 },
      { encoding: 'rle', counts: [4] },
      'ANNOTATION_OUT_OF_BOUNDS',
    ],
    [
      'too large',
      { x: 0, y: 0, width: 1001, height: 1000 },
      { encoding: 'rle', counts: [1_001_000] },
      'ANNOTATION_TOO_LARGE',
    ],
    [
      'RLE sum mismatch',
      { x: 0, y: 0, width: 2, height: 2 },
      { encoding: 'rle', counts: [1, 2] },
      'ANNOTATION_MASK_INVALID',
    ],
    [
      'PNG garbage',
      { x: 0, y: 0, width: 2, height: 2 },
      { encoding: 'png-base64', data: 'aGVsbG8=' },
      'ANNOTATION_MASK_INVALID',
    ],
    ['negative run', { x: 0, y: 0, width: 2, height: 2 }, { encoding: 'rle', counts: [-1, 5] }, 'BAD_REQUEST'],
  ])('rejects %s', async (_name, region, mask, code) => {
    const res = await post({ slideId, region, mask, clientId: 'client-bad-0001' });
    expect(ErrorBody.parse(await res.json()).error.code).toBe(code);
    expect(t.project.store.annotations.count()).toBe(0);
  });

  it('rejects PNG masks of the wrong size or with grey values', async () => {
    const grey = await sharp(new Uint8Array([0, 128, 255, 0]), { raw: { width: 2, height: 2, channels: 1 } })
      .png()
      .toBuffer();
    const base = {
      slideId,
      clientId: 'client-bad-0002',
      mask: { encoding: 'png-base64', data: grey.toString('base64') },
    };
    const values = await post({ ...base, region: { x: 0, y: 0, width: 2, height: 2 } });
    expect(ErrorBody.parse(await values.json()).error).toMatchObject({
      code: 'ANNOTATION_MASK_INVALID',
      field: 'mask.data',
    });
    const size = await post({ ...base, region: { x: 0, y: 0, width: 3, height: 2 } });
    expect(ErrorBody.parse(await size.json()).error.code).toBe('ANNOTATION_MASK_INVALID');
  });

  it('404s for an unknown slide', async () => {
    const res = await post({
      slideId: 'sl_nope',
      region: { x: 0, y: 0, width: 1, height: 1 },
      mask: { encoding: 'rle', counts: [1] },
      clientId: 'client-nf-0001',
    });
    expect(ErrorBody.parse(await res.json()).error.code).toBe('SLIDE_NOT_FOUND');
  });
});

describe('POST /api/annotations body handling (parsed in the annotation worker)', () => {
  it('refuses a non-JSON content type, malformed JSON and a padded RLE with BAD_REQUEST / ANNOTATION_MASK_INVALID', async () => {
    const body = JSON.stringify({
      slideId,
      region: { x: 0, y: 0, width: 2, height: 2 },
      mask: { encoding: 'rle', counts: [1, 3, 0, 0, 0, 0] },
      clientId: 'client-body-0001',
    });
    const send = (b: string, type = 'application/json') =>
      t.app.request('/api/annotations', {
        method: 'POST',
        headers: { authorization: t.auth.authorization!, 'content-type': type },
        body: b,
      });
    const errorOf = async (res: Response) => ErrorBody.parse(await res.json()).error;
    expect(await errorOf(await send(body, 'text/plain'))).toMatchObject({ code: 'BAD_REQUEST', field: 'content-type' });
    expect(await errorOf(await send(body.slice(0, -3)))).toMatchObject({ code: 'BAD_REQUEST', field: 'body' });
    expect(await errorOf(await send(body))).toMatchObject({
      code: 'ANNOTATION_MASK_INVALID',
      field: 'mask.counts',
      message: 'mask.counts has 6 runs; a region of 4 pixels has at most 5',
    });
    expect(t.project.store.annotations.count()).toBe(0);
  });
});
