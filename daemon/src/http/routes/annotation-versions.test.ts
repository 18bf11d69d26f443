import { existsSync } from 'node:fs';
import {
  AnnotationAck,
  DeleteAnnotationResult,
  ErrorBody,
  ServerMessage,
  SlideAnnotationList,
  SlideInfo,
} from '@activeseg/protocol';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPatchLabels } from '../../project/load-patch-labels.js';
import { openStore } from '../../store/db.js';
import { addDemoSlide, createTempProject, DEMO_IMAGE, type TempProject } from '../../testing/temp-project.js';

let t: TempProject;
let slideId: string;
let frames: ServerMessage[];
beforeEach(async () => {
  t = createTempProject();
  frames = [];
  t.project.hub.join({
    readyState: 1,
    bufferedAmount: 0,
    send: (data: string) => void frames.push(ServerMessage.parse(JSON.parse(data))),
    terminate: () => {},
  });
  const res = await t.app.request('/api/slides', {
    method: 'POST',
    headers: t.auth,
    body: JSON.stringify({ path: DEMO_IMAGE, pixelSize: { x: 0.25, y: 0.5, unit: 'µm' } }),
  });
  slideId = SlideInfo.parse(await res.json()).id;
});
afterEach(() => t.dispose());

const post = async (body: Record<string, unknown>) => {
  const res = await t.app.request('/api/annotations', {
    method: 'POST',
    headers: t.auth,
    body: JSON.stringify({ slideId, ...body }),
  });
  return { status: res.status, json: (await res.json()) as unknown };
};
/** A w × h mask whose first `fg` pixels (row-major) are myelin. */
const rle = (w: number, h: number, fg: number) => ({ encoding: 'rle', counts: [0, fg, w * h - fg] });
const list = async (history = false) =>
  SlideAnnotationList.parse(
    await (
      await t.app.request(`/api/slides/${slideId}/annotations${history ? '?history=true' : ''}`, { headers: t.auth })
    ).json(),
  );
const errorOf = (json: unknown) => ErrorBody.parse(json).error;

describe('annotation list, mask, edit and delete', () => {
  it('lists the slide’s annotations with region, area in px and µm², version and patches; serves the mask as PNG', async () => {
    const first = await post({
      region: { x: 500, y: 10, width: 20, height: 10 },
      mask: rle(20, 10, 30),
      clientId: 'c-list-0001',
    });
    expect(first.status).toBe(201);
    const ack = AnnotationAck.parse(first.json);
    const { annotations } = await list();
    expect(annotations).toEqual([
      {
        id: ack.id,
        slideId,
        region: { x: 500, y: 10, width: 20, height: 10 },
        createdAt: expect.any(String),
        areaPx: 30,
        areaUm2: 30 * 0.25 * 0.5,
        version: 1,
        patches: ack.patches,
        // No source given: the daemon files it as the person's own region (`annotation_learning`).
        source: 'user',
      },
    ]);
    expect(frames.filter((f) => f.type === 'annotation.saved')).toMatchObject([{ slideId, annotationId: ack.id }]);

    const mask = await t.app.request(`/api/annotations/${ack.id}/mask`, { headers: t.auth });
    expect(mask.headers.get('content-type')).toBe('image/png');
    const { data, info } = await sharp(Buffer.from(await mask.arrayBuffer()))
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([20, 10]);
    expect(data.filter((v) => v > 127).length).toBe(30);
    expect([data[29], data[30]]).toEqual([255, 0]);
  });

  it('an edit (supersedes) is the next version; the old one stays in history and no longer trains', async () => {
    const v1 = AnnotationAck.parse(
      (await post({ region: { x: 0, y: 0, width: 8, height: 8 }, mask: rle(8, 8, 64), clientId: 'c-edit-0001' })).json,
    );
    // The edit moves to another cell, so the training set shows which version trains.
    const edited = await post({
      region: { x: 600, y: 0, width: 8, height: 8 },
      mask: rle(8, 8, 8),
      clientId: 'c-edit-0002',
      supersedes: v1.id,
    });
    expect(edited.status).toBe(201);
    const v2 = AnnotationAck.parse(edited.json);
    expect(frames.filter((f) => f.type === 'annotation.saved').at(-1)).toMatchObject({
      annotationId: v2.id,
      supersedes: v1.id,
    });

    expect((await list()).annotations).toMatchObject([{ id: v2.id, version: 2, supersedes: v1.id, areaPx: 8 }]);
    const history = (await list(true)).annotations;
    expect(history).toMatchObject([
      { id: v1.id, version: 1, supersededBy: v2.id, patches: [] },
      { id: v2.id, version: 2, supersedes: v1.id },
    ]);
    // The old mask is kept (history), the training set has only the edit's cell.
    expect((await t.app.request(`/api/annotations/${v1.id}/mask`, { headers: t.auth })).status).toBe(200);
    expect(t.project.store.annotations.listAnnotatedCells()).toEqual([{ slideId, col: 1, row: 0, size: 512, z: 0 }]);
    const old = await loadPatchLabels(t.project, { slideId, col: 0, row: 0, size: 512 });
    expect(old.weight.reduce((a, b) => a + b, 0)).toBe(0);

    // A second edit of v1 (another tab, still showing it) loses: nothing of it is stored.
    const stale = await post({
      region: { x: 0, y: 0, width: 8, height: 8 },
      mask: rle(8, 8, 1),
      clientId: 'c-edit-0003',
      supersedes: v1.id,
    });
    expect(stale.status).toBe(409);
    expect(errorOf(stale.json)).toMatchObject({ code: 'ANNOTATION_SUPERSEDED', field: 'supersedes' });
    const unknown = await post({
      region: { x: 0, y: 0, width: 8, height: 8 },
      mask: rle(8, 8, 1),
      clientId: 'c-edit-0004',
      supersedes: 'an_missing',
    });
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown.json)).toMatchObject({ code: 'ANNOTATION_NOT_FOUND', field: 'supersedes' });
    expect(t.project.store.annotations.count()).toBe(2);
  });

  it('DELETE removes every version, its mask files and its training cells, durably; unknown ids are ANNOTATION_NOT_FOUND', async () => {
    const v1 = AnnotationAck.parse(
      (await post({ region: { x: 0, y: 0, width: 8, height: 8 }, mask: rle(8, 8, 64), clientId: 'c-del-0001' })).json,
    );
    const v2 = AnnotationAck.parse(
      (
        await post({
          region: { x: 0, y: 0, width: 8, height: 8 },
          mask: rle(8, 8, 4),
          clientId: 'c-del-0002',
          supersedes: v1.id,
        })
      ).json,
    );
    const other = AnnotationAck.parse(
      (await post({ region: { x: 1024, y: 0, width: 8, height: 8 }, mask: rle(8, 8, 2), clientId: 'c-del-0003' })).json,
    );
    const masks = [v1.id, v2.id].map((id) => t.project.paths.fromStored(t.project.store.annotations.get(id)!.maskPath));
    expect(masks.every((m) => existsSync(m))).toBe(true);

    const res = await t.app.request(`/api/annotations/${v2.id}`, { method: 'DELETE', headers: t.auth });
    expect(res.status).toBe(200);
    expect(DeleteAnnotationResult.parse(await res.json())).toEqual({
      id: v2.id,
      slideId,
      deletedVersions: [v1.id, v2.id],
    });
    expect(frames.filter((f) => f.type === 'annotation.deleted')).toMatchObject([
      { slideId, annotationId: v2.id, deletedVersions: [v1.id, v2.id] },
    ]);
    expect(masks.some((m) => existsSync(m))).toBe(false);
    expect((await list(true)).annotations.map((a) => a.id)).toEqual([other.id]);
    expect(t.project.store.annotations.listAnnotatedCells()).toEqual([{ slideId, col: 2, row: 0, size: 512, z: 0 }]);
    const cell = await loadPatchLabels(t.project, { slideId, col: 0, row: 0, size: 512 });
    expect(cell.weight.reduce((a, b) => a + b, 0)).toBe(0);

    // Committed: a second connection to the database (a restarted daemon) sees it gone.
    const reopened = openStore(t.dir);
    expect(reopened.annotations.get(v1.id)).toBeUndefined();
    expect(reopened.annotations.listAnnotatedCells()).toHaveLength(1);
    reopened.close();

    for (const [method, path] of [
      ['DELETE', `/api/annotations/${v2.id}`],
      ['GET', `/api/annotations/${v1.id}/mask`],
    ] as const) {
      const gone = await t.app.request(path, { method, headers: t.auth });
      expect(gone.status).toBe(404);
      expect(errorOf(await gone.json())).toMatchObject({ code: 'ANNOTATION_NOT_FOUND', field: 'annotationId' });
    }
    const bad = await t.app.request('/api/annotations/..%2Fx', { method: 'DELETE', headers: t.auth });
    expect(errorOf(await bad.json()).code).toBe('BAD_REQUEST');
  });

  it('announces an added slide to every page (slide.added)', async () => {
    const added = await addDemoSlide(t);
    expect(frames.filter((f) => f.type === 'slide.added').map((f) => f.type === 'slide.added' && f.slide)).toEqual([
      expect.objectContaining({ id: slideId }),
      added,
    ]);
  });
});
