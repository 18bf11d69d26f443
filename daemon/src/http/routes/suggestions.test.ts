import { AnnotationAck, ErrorBody, ProjectSettings, SuggestionList } from '@activeseg/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addDemoSlide, createTempProject, type TempProject } from '../../testing/temp-project.js';

let t: TempProject;
let slideId: string;
beforeEach(async () => {
  t = createTempProject({ config: { patchSize: 16, dziTileSize: 16 } });
  slideId = (await addDemoSlide(t)).id;
  // 20 × 20 scored cells of version 1, cell i scoring 400 − i (the list needs rows only, not maps).
  for (let i = 0; i < 400; i++) {
    t.project.store.scores.upsert({
      slideId,
      modelVersion: 1,
      col: i % 20,
      row: Math.floor(i / 20),
      size: 16,
      score: 400 - i,
      meanFg: 0,
      meanStd: 0,
      mapPath: 'none',
      createdAt: 'x',
    });
  }
});
afterEach(() => t.dispose());

const get = async (k: number) =>
  SuggestionList.parse(
    await (await t.app.request(`/api/suggestions?slideId=${slideId}&k=${k}`, { headers: t.auth })).json(),
  );
const put = (body: unknown) =>
  t.app.request('/api/settings', { method: 'PUT', headers: t.auth, body: JSON.stringify(body) });
/** Cells in the top `n` of the ranking (score > 400 − n). */
const isTop = (score: number, n: number) => score > 400 - n;

describe('GET /api/suggestions with random probes', () => {
  it('mixes in probeRate (default 0.2) random cells, blind on the wire, the same on every request', async () => {
    const list = await get(10);
    expect(list.suggestions).toHaveLength(10);
    // Same shape for every entry: nothing but patch and score.
    for (const s of list.suggestions) expect(Object.keys(s).sort()).toEqual(['patch', 'score']);
    const probes = list.suggestions.filter((s) => !isTop(s.score, 8));
    expect(probes).toHaveLength(2);
    expect(await get(10)).toEqual(list);
  });

  it('turns probes off at probeRate 0 and validates the setting', async () => {
    expect(ProjectSettings.parse(await (await t.app.request('/api/settings', { headers: t.auth })).json())).toEqual({
      probeRate: 0.2,
    });
    expect(ProjectSettings.parse(await (await put({ probeRate: 0 })).json())).toEqual({ probeRate: 0 });
    const list = await get(10);
    expect(list.suggestions.map((s) => s.score)).toEqual([400, 399, 398, 397, 396, 395, 394, 393, 392, 391]);
    const bad = await put({ probeRate: 1.5 });
    expect(bad.status).toBe(400);
    expect(ErrorBody.parse(await bad.json()).error).toMatchObject({ code: 'BAD_REQUEST' });
    expect((await put({ probeRat: 0.1 })).status).toBe(400);
  });

  it('files an annotation of a served probe as random-probe whatever the client says, and a claimed probe that was not served as user', async () => {
    const list = await get(10);
    const probe = list.suggestions.find((s) => !isTop(s.score, 8))!.patch;
    const top = list.suggestions.find((s) => isTop(s.score, 8))!.patch;
    const annotate = async (patch: typeof probe, clientId: string) => {
      const res = await t.app.request('/api/annotations', {
        method: 'POST',
        headers: t.auth,
        body: JSON.stringify({
          slideId,
          region: { x: patch.x, y: patch.y, width: 16, height: 16 },
          mask: { encoding: 'rle', counts: [256] },
          clientId,
          source: clientId.includes('probe') ? 'uncertainty' : 'random-probe',
        }),
      });
      return t.project.store.learning.get(AnnotationAck.parse(await res.json()).id)?.source;
    };
    expect(await annotate(probe, 'served-probe-1')).toBe('random-probe');
    expect(await annotate(top, 'claimed-top-01')).toBe('user');
  });
});
