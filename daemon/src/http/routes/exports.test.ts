import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorBody } from '@activeseg/protocol';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelEngine } from '../../engine/model-engine-api.js';
import { versionDir } from '../../engine/model-store.js';
import { addDemoSlide, createTempProject, type TempProject } from '../../testing/temp-project.js';

let t: TempProject;
afterEach(() => t.dispose());

const addDemo = async () => {
  return await addDemoSlide(t);
};

const annotate = async (
  slideId: string,
  clientId: string,
  x: number,
  y: number,
  w: number,
  h: number,
  counts: number[],
) => {
  const res = await t.app.request('/api/annotations', {
    method: 'POST',
    headers: t.auth,
    body: JSON.stringify({
      slideId,
      clientId,
      region: { x, y, width: w, height: h },
      mask: { encoding: 'rle', counts },
    }),
  });
  expect(res.status).toBeLessThan(300);
};

const grey = async (bytes: ArrayBuffer) => {
  const { data, info } = await sharp(Buffer.from(bytes)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data, info };
};

describe('mask export', () => {
  it('exports the annotation pixels full-size, later annotations winning, as PNG and TIFF', async () => {
    t = createTempProject();
    const slide = await addDemo();
    // A: 4×2 at (10,20), first row background, second myelin. B: 2×2 at (12,21), all background, overlaps A's
    // myelin row and wins there. C: 3×1 at (1540,1095), the slide's last pixels, all myelin.
    await annotate(slide.id, 'client-export-a1', 10, 20, 4, 2, [4, 4]);
    await annotate(slide.id, 'client-export-b1', 12, 21, 2, 2, [4]);
    await annotate(slide.id, 'client-export-c1', 1538, 1095, 3, 1, [0, 3]);
    const expected = new Uint8Array(slide.width * slide.height);
    const annotated = new Uint8Array(slide.width * slide.height);
    const at = (x: number, y: number) => y * slide.width + x;
    for (let x = 10; x < 14; x++) expected[at(x, 21)] = 255;
    for (let x = 12; x < 14; x++) expected[at(x, 21)] = 0;
    for (let x = 1538; x < 1541; x++) expected[at(x, 1095)] = 255;
    for (const [x, y, w, h] of [
      [10, 20, 4, 2],
      [12, 21, 2, 2],
      [1538, 1095, 3, 1],
    ] as const) {
      for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) annotated[at(xx, yy)] = 255;
    }

    for (const ext of ['png', 'tiff'] as const) {
      const res = await t.app.request(`/api/slides/${slide.id}/export/mask.${ext}`, { headers: t.auth });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(ext === 'png' ? 'image/png' : 'image/tiff');
      expect(res.headers.get('content-disposition')).toContain(`-mask.${ext}`);
      const body = await res.arrayBuffer();
      expect(Number(res.headers.get('content-length'))).toBe(body.byteLength);
      const { data, info } = await grey(body);
      expect(info).toMatchObject({ width: slide.width, height: slide.height, channels: 1 });
      expect(Buffer.compare(data, Buffer.from(expected))).toBe(0);
    }
    const res = await t.app.request(`/api/slides/${slide.id}/export/annotated.png?token=${t.token}`);
    expect(res.status).toBe(200);
    expect(Buffer.compare((await grey(await res.arrayBuffer())).data, Buffer.from(annotated))).toBe(0);
  });

  it('refuses PNG over the pixel limit, unknown files and missing tokens', async () => {
    t = createTempProject({ config: { maxPngExportPixels: 1000 } });
    const slide = await addDemo();
    const big = await t.app.request(`/api/slides/${slide.id}/export/mask.png`, { headers: t.auth });
    expect(big.status).toBe(413);
    expect(ErrorBody.parse(await big.json()).error.code).toBe('EXPORT_TOO_LARGE');
    const tiff = await t.app.request(`/api/slides/${slide.id}/export/mask.tiff`, { headers: t.auth });
    expect(tiff.status).toBe(200);
    expect((await grey(await tiff.arrayBuffer())).data.every((v) => v === 0)).toBe(true);
    const bad = await t.app.request(`/api/slides/${slide.id}/export/mask.jpeg`, { headers: t.auth });
    expect(bad.status).toBe(400);
    const anon = await t.app.request(`/api/slides/${slide.id}/export/mask.tiff?token=wrong`);
    expect(anon.status).toBe(401);
    const missing = await t.app.request('/api/slides/sl_nope/export/mask.tiff', { headers: t.auth });
    expect(ErrorBody.parse(await missing.json()).error.code).toBe('SLIDE_NOT_FOUND');
  });
});

/** Reads a ustar archive: member names and contents, checking header checksums and the end-of-archive blocks. */
function untar(tar: Buffer): { name: string; data: Buffer }[] {
  const out: { name: string; data: Buffer }[] = [];
  let off = 0;
  for (;;) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const field = (o: number, n: number) => h.toString('ascii', o, o + n).replace(/\0.*$/s, '');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    expect(Number.parseInt(field(148, 8).trim(), 8)).toBe(sum);
    expect(field(257, 6)).toBe('ustar');
    const size = Number.parseInt(field(124, 12), 8);
    out.push({ name: field(0, 100), data: tar.subarray(off + 512, off + 512 + size) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  expect(tar.length).toBe(off + 1024);
  expect(tar.subarray(off).every((b) => b === 0)).toBe(true);
  return out;
}

describe('model bundle export', () => {
  const writeBundle = (dir: string, version: number, files: Record<string, Buffer>) => {
    const d = versionDir(join(dir, 'models'), version);
    mkdirSync(d, { recursive: true });
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(d, name), bytes);
  };
  const files = (seed: number) => ({
    'model.json': Buffer.from(JSON.stringify({ format: 'layers-model', seed })),
    'weights.bin': Buffer.from(Array.from({ length: 1537 }, (_, i) => (i * seed) % 256)),
    'bundle.json': Buffer.from(JSON.stringify({ version: seed })),
  });

  it('answers MODEL_NOT_READY before any version exists', async () => {
    t = createTempProject();
    const res = await t.app.request('/api/models/current/bundle.tar', { headers: t.auth });
    expect(res.status).toBe(503);
    expect(ErrorBody.parse(await res.json()).error.code).toBe('MODEL_NOT_READY');
  });

  it('archives the newest complete version with the exact bytes of its three files', async () => {
    t = createTempProject();
    writeBundle(t.dir, 1, files(3));
    writeBundle(t.dir, 2, files(7));
    const { 'bundle.json': _, ...uncommitted } = files(11);
    writeBundle(t.dir, 3, uncommitted);
    const res = await t.app.request(`/api/models/current/bundle.tar?token=${t.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-model-version')).toBe('2');
    expect(res.headers.get('content-type')).toBe('application/x-tar');
    const tar = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(tar.length);
    const members = untar(tar);
    expect(members.map((m) => m.name)).toEqual(['model.json', 'weights.bin', 'bundle.json']);
    for (const m of members) expect(Buffer.compare(m.data, files(7)[m.name as keyof ReturnType<typeof files>])).toBe(0);
  });

  it("follows the engine's current version when one is wired", async () => {
    const engine = { backendName: 'fake', modelVersion: () => 1 } as unknown as ModelEngine;
    t = createTempProject({ engine });
    writeBundle(t.dir, 1, files(3));
    writeBundle(t.dir, 2, files(7));
    const res = await t.app.request('/api/models/current/bundle.tar', { headers: t.auth });
    expect(res.headers.get('x-model-version')).toBe('1');
    const members = untar(Buffer.from(await res.arrayBuffer()));
    expect(Buffer.compare(members[1]!.data, files(3)['weights.bin'])).toBe(0);
  });
});
