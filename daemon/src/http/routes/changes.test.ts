import { ErrorBody } from '@activeseg/protocol';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { GAINED_RGBA, LOST_RGBA } from '../../project/render-changed-tile.js';
import { atomicWrite } from '../../store/atomic-write.js';
import { encodeScoreMap } from '../../store/score-map.js';
import { addDemoSlide, createTempProject, type TempProject } from '../../testing/temp-project.js';

let t: TempProject;
afterEach(() => t.dispose());

const SIZE = 512;

/** Stores one version's prediction of cell (0, 0): mean P(myelin) = `myelin(x, y) ? 0.9 : 0.1`. */
async function storePrediction(slideId: string, version: number, myelin: (x: number, y: number) => boolean) {
  const mean = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) mean[y * SIZE + x] = myelin(x, y) ? 0.9 : 0.1;
  const path = t.project.paths.scoreMap(slideId, version, 0, 0);
  await atomicWrite(path, encodeScoreMap(mean, new Float32Array(SIZE * SIZE)));
  t.project.store.scores.upsert({
    slideId,
    modelVersion: version,
    col: 0,
    row: 0,
    size: SIZE,
    score: 0.1,
    meanFg: 0.5,
    meanStd: 0.1,
    mapPath: t.project.paths.toRelative(path),
    createdAt: '2026-12-05T07:00:00.000Z',
  });
}

describe('what changed between two model versions', () => {
  it('marks the pixels whose thresholded prediction flipped: gained magenta, lost cyan, the rest transparent', async () => {
    t = createTempProject();
    const slide = await addDemoSlide(t);
    // v1: myelin in the top 128 rows; v2: myelin everywhere right of x = 64.
    await storePrediction(slide.id, 1, (_x, y) => y < 128);
    await storePrediction(slide.id, 2, (x) => x >= 64);
    const top = slide.levels - 1;
    const tile = await t.app.request(`/api/slides/${slide.id}/changes/${top}/0_0.png?from=1&to=2`, {
      headers: t.auth,
    });
    expect(tile.status).toBe(200);
    expect(tile.headers.get('content-type')).toBe('image/png');
    const { data, info } = await sharp(Buffer.from(await tile.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([256, 256, 4]);
    const at = (x: number, y: number) => [...data.subarray((y * 256 + x) * 4, (y * 256 + x) * 4 + 4)];
    let gained = 0;
    let lost = 0;
    for (let y = 0; y < 256; y++) {
      for (let x = 0; x < 256; x++) {
        const px = at(x, y).join();
        if (px === GAINED_RGBA.join()) gained++;
        else if (px === LOST_RGBA.join()) lost++;
        else expect(at(x, y)[3]).toBe(0);
      }
    }
    expect(gained).toBe((256 - 64) * (256 - 128));
    expect(lost).toBe(64 * 128);
    expect(at(200, 200)).toEqual([...GAINED_RGBA]);
    expect(at(10, 10)).toEqual([...LOST_RGBA]);

    // The same versions the other way round swap the colours.
    const back = await t.app.request(`/api/slides/${slide.id}/changes/${top}/0_0.png?from=2&to=1`, { headers: t.auth });
    const rev = await sharp(Buffer.from(await back.arrayBuffer()))
      .raw()
      .toBuffer();
    expect([...rev.subarray((200 * 256 + 200) * 4, (200 * 256 + 200) * 4 + 4)]).toEqual([...LOST_RGBA]);
  });

  it('refuses a version the slide has no prediction at, naming the parameter, and malformed versions', async () => {
    t = createTempProject();
    const slide = await addDemoSlide(t);
    await storePrediction(slide.id, 1, () => true);
    const get = (q: string) => t.app.request(`/api/slides/${slide.id}/changes/0/0_0.png?${q}`, { headers: t.auth });
    const missing = await get('from=1&to=7');
    expect(missing.status).toBe(404);
    expect(ErrorBody.parse(await missing.json()).error).toMatchObject({ code: 'MODEL_VERSION_NOT_FOUND', field: 'to' });
    for (const q of ['from=1', 'from=0&to=1', 'from=a&to=1']) {
      const bad = await get(q);
      expect(bad.status).toBe(400);
      expect(ErrorBody.parse(await bad.json()).error.code).toBe('BAD_REQUEST');
    }
  });
});
