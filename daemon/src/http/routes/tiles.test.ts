import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorBody, type SlideInfo } from '@activeseg/protocol';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { addDemoSlide, createTempProject, type TempProject } from '../../testing/temp-project.js';

let t: TempProject;
afterEach(() => t.dispose());

/** Files and folders under the project's tile cache. */
const cacheEntries = (): number => {
  const root = join(t.dir, 'cache', 'tiles');
  return existsSync(root) ? readdirSync(root, { recursive: true }).length : 0;
};

/** A project with the demo slide and one scored cell at model version 2 (its map file is absent: transparent). */
async function scoredSlide(): Promise<SlideInfo> {
  t = createTempProject();
  const slide = await addDemoSlide(t);
  t.project.store.scores.upsert({
    slideId: slide.id,
    modelVersion: 2,
    col: 0,
    row: 0,
    size: 512,
    score: 0.1,
    meanFg: 0.5,
    meanStd: 0.2,
    mapPath: 'maps/none.u8',
    createdAt: new Date().toISOString(),
  });
  return slide;
}

describe('overlay tiles ?v=', () => {
  it('serves an existing version and the latest without v', async () => {
    const slide = await scoredSlide();
    for (const query of ['?v=2', '']) {
      const res = await t.app.request(`/api/slides/${slide.id}/tiles/uncertainty/3/0_0.png${query}`, {
        headers: t.auth,
      });
      expect(res.status).toBe(200);
      expect(await sharp(Buffer.from(await res.arrayBuffer())).metadata()).toMatchObject({ format: 'png' });
    }
  });

  it('answers 404 MODEL_VERSION_NOT_FOUND for a version without scores and caches nothing for it', async () => {
    const slide = await scoredSlide();
    const before = cacheEntries();
    for (const v of [0, 1, 3, 999_999_999]) {
      const res = await t.app.request(`/api/slides/${slide.id}/tiles/prediction/11/0_0.png?v=${v}`, {
        headers: t.auth,
      });
      expect([v, res.status]).toEqual([v, 404]);
      expect(ErrorBody.parse(await res.json()).error).toMatchObject({ code: 'MODEL_VERSION_NOT_FOUND', field: 'v' });
    }
    expect(cacheEntries()).toBe(before);
  });

  it('answers 400 BAD_REQUEST naming v for a version that is not a sane integer', async () => {
    const slide = await scoredSlide();
    const queries = ['99999999999999999999', '1000000000', '-1', '1e3', '0x10', '', 'abc', '%202', '2&v=3'];
    for (const q of queries) {
      const res = await t.app.request(`/api/slides/${slide.id}/tiles/uncertainty/11/0_0.png?v=${q}`, {
        headers: t.auth,
      });
      expect([q, res.status]).toEqual([q, 400]);
      expect(ErrorBody.parse(await res.json()).error).toMatchObject({ code: 'BAD_REQUEST', field: 'v' });
    }
    expect(cacheEntries()).toBe(0);
  });
});
