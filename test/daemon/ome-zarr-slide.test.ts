import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorBody, JobInfo, NgffExportResult, SlideInfo } from '@activeseg/protocol';
import FileSystemStore from '@zarrita/storage/fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as zarr from 'zarrita';
import type { ReloadableModelEngine } from '../../daemon/src/engine/model-engine.js';
import { type StartServerResult, startServer } from '../../daemon/src/server.js';
import { openStore } from '../../daemon/src/store/db.js';
import { decodeScoreMap } from '../../daemon/src/store/score-map.js';
import { createScoringMicroEngine } from '../../daemon/src/testing/micro-engine.js';
import { DEMO_IMAGE } from '../../daemon/src/testing/temp-project.js';
import { bandsOf, writeOmeZarr } from '../../daemon/src/testing/write-ome-zarr.js';

let dir: string;
let server: StartServerResult;
let engine: ReloadableModelEngine;
let image: { data: Uint8Array; width: number; height: number };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-omezarr-daemon-'));
  const { data, info } = await sharp(DEMO_IMAGE).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  image = { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  for (const version of ['0.4', '0.5'] as const) {
    await writeOmeZarr(join(dir, `sem-${version}.ome.zarr`), {
      version,
      width: image.width,
      height: image.height,
      band: bandsOf(image),
      chunk: 512,
      pixelSizeNm: 50,
    });
  }
  // Version 0 cannot score: one short fine-tune on a patch of the same texture gives a model that can.
  engine = await createScoringMicroEngine({
    modelsDir: join(dir, 'models'),
    grey: image,
    label: (v) => (v > 0.5 ? 1 : 0),
  });
  server = await startServer({ projectDir: join(dir, 'project'), port: 0, host: '127.0.0.1', engine, log: () => {} });
}, 120_000);
afterAll(async () => {
  await server?.close();
  await engine?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const headers = () => ({ authorization: `Bearer ${server.token}`, 'content-type': 'application/json' });
const api = (path: string, init: RequestInit = {}) => fetch(`${server.origin}${path}`, { headers: headers(), ...init });

/** The slides the scoring tests ran inference on, for the export tests. */
const scored = new Map<string, SlideInfo>();

describe.each(['0.4', '0.5'] as const)('an OME-Zarr v%s store added by its directory path', (version) => {
  let slide: SlideInfo;

  it('is added in place with its size, format and pixel size from the NGFF metadata', async () => {
    const res = await api('/api/slides', {
      method: 'POST',
      body: JSON.stringify({ path: join(dir, `sem-${version}.ome.zarr`) }),
    });
    expect(res.status).toBe(201);
    slide = SlideInfo.parse(await res.json());
    expect(slide).toMatchObject({ width: image.width, height: image.height, format: 'ome-zarr' });
    expect(slide.pixelSize).toEqual({ x: 0.05, y: 0.05, unit: 'µm' });
    expect(slide.warnings).toBeUndefined();
  });

  it('browses: full-resolution tiles are the stored pixels, and every level has its corner tile', async () => {
    const maxLevel = slide.levels - 1;
    const res = await api(`/api/slides/${slide.id}/tiles/image/${maxLevel}/1_1.png`);
    expect(res.status).toBe(200);
    const tile = await sharp(Buffer.from(await res.arrayBuffer()))
      .extractChannel(0)
      .raw()
      .toBuffer();
    const want = Buffer.alloc(256 * 256);
    for (let r = 0; r < 256; r++)
      want.set(image.data.subarray((256 + r) * image.width + 256, (256 + r) * image.width + 512), r * 256);
    expect(tile.equals(want)).toBe(true);
    for (let level = 0; level <= maxLevel; level++) {
      const t = await api(`/api/slides/${slide.id}/tiles/image/${level}/0_0.jpeg`);
      expect(t.status, `level ${level}`).toBe(200);
    }
  });

  it('scores: an infer job runs over the whole slide and its overlay tiles are served', async () => {
    const started = await api('/api/jobs', {
      method: 'POST',
      body: JSON.stringify({ kind: 'infer', slideId: slide.id }),
    });
    expect(started.status).toBe(202);
    const { id } = JobInfo.parse(await started.json());
    let job: JobInfo | undefined;
    for (let i = 0; i < 240; i++) {
      job = JobInfo.parse(await (await api(`/api/jobs/${id}`)).json());
      if (job.state === 'done' || job.state === 'failed' || job.state === 'cancelled') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(job?.state, JSON.stringify(job?.error)).toBe('done');
    scored.set(version, slide);
    const overlay = await api(`/api/slides/${slide.id}/tiles/uncertainty/${slide.levels - 1}/0_0.png`);
    expect(overlay.status).toBe(200);
  }, 90_000);
});

describe('OME-Zarr slides through POST /api/slides', () => {
  it('a pixel size given at add time overrides the metadata, and missing chunks are named in the slide info', async () => {
    const path = join(dir, 'holes.ome.zarr');
    await writeOmeZarr(path, {
      version: '0.4',
      width: image.width,
      height: image.height,
      band: bandsOf(image),
      chunk: 512,
    });
    unlinkSync(join(path, '0', '1', '1'));
    const res = await api('/api/slides', {
      method: 'POST',
      body: JSON.stringify({ path, pixelSize: { x: 0.008, y: 0.008, unit: 'µm' } }),
    });
    expect(res.status).toBe(201);
    const slide = SlideInfo.parse(await res.json());
    expect(slide.pixelSize).toEqual({ x: 0.008, y: 0.008, unit: 'µm' });
    const chunks = Math.ceil(image.width / 512) * Math.ceil(image.height / 512);
    expect(slide.warnings).toEqual([`0: 1 of ${chunks} chunks are missing and read as the fill value (0)`]);
    const listed = SlideInfo.array().parse(((await (await api('/api/slides')).json()) as { slides: unknown }).slides);
    expect(listed.find((s) => s.id === slide.id)).toEqual(slide);
  });

  it('a directory without Zarr metadata is not a slide: SLIDE_FILE_NOT_FOUND', async () => {
    const res = await api('/api/slides', { method: 'POST', body: JSON.stringify({ path: join(dir, 'models') }) });
    expect(res.status).toBe(422);
    expect(ErrorBody.parse(await res.json()).error.code).toBe('SLIDE_FILE_NOT_FOUND');
  });

  it('a refused store answers its code naming the path, and adds no slide', async () => {
    const before = ((await (await api('/api/slides')).json()) as { slides: unknown[] }).slides.length;
    const path = join(dir, 'rgb.ome.zarr');
    await writeOmeZarr(path, {
      version: '0.5',
      width: 300,
      height: 200,
      band: (_, rows) => new Uint8Array(rows * 300),
      levels: 1,
      leadingAxes: [{ name: 'c', type: 'channel', size: 3 }],
    });
    const res = await api('/api/slides', { method: 'POST', body: JSON.stringify({ path }) });
    expect(res.status).toBe(422);
    const body = ErrorBody.parse(await res.json());
    expect(body.error).toMatchObject({ code: 'SLIDE_AXES_UNSUPPORTED', field: 'path' });
    expect(body.error.message).toContain(path);
    const after = ((await (await api('/api/slides')).json()) as { slides: unknown[] }).slides.length;
    expect(after).toBe(before);
  });
});

describe('NGFF export (POST /api/slides/:id/export/ngff)', () => {
  const schemaDir = join(import.meta.dirname, '..', 'fixtures', 'ngff-0.5');
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validator = (name: string) => ajv.compile(JSON.parse(readFileSync(join(schemaDir, name), 'utf8')));
  const schemas = {
    image: validator('image.schema.json'),
    labels: validator('labels.schema.json'),
    label: validator('label.schema.json'),
  };
  const valid = (v: ValidateFunction, attrs: unknown, what: string) => {
    const ok = v(attrs);
    expect(ok, `${what}: ${ajv.errorsText(v.errors)}`).toBe(true);
  };

  it('reads back identical through zarrita and its metadata validates against the NGFF 0.5 schemas', async () => {
    const slide = scored.get('0.4');
    if (!slide) throw new Error('the scoring test did not run');
    // Two rows of four pixels: background above, myelin below.
    const ann = await api('/api/annotations', {
      method: 'POST',
      body: JSON.stringify({
        slideId: slide.id,
        clientId: 'ngff-export-annotation',
        region: { x: 600, y: 100, width: 4, height: 2 },
        mask: { encoding: 'rle', counts: [4, 4] },
      }),
    });
    expect(ann.status).toBeLessThan(300);
    const out = join(dir, 'export.ome.zarr');
    const res = await api(`/api/slides/${slide.id}/export/ngff`, {
      method: 'POST',
      body: JSON.stringify({ path: out }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const result = NgffExportResult.parse(await res.json());
    const cells = Math.ceil(image.width / 512) * Math.ceil(image.height / 512);
    expect(result).toMatchObject({ path: out, levels: 3, scoredPatches: cells });

    const root = zarr.root(new FileSystemStore(out));
    const group = async (path: string) => (await zarr.open(path ? root.resolve(path) : root, { kind: 'group' })).attrs;
    valid(schemas.image, await group(''), 'image');
    valid(schemas.image, await group('uncertainty'), 'uncertainty');
    valid(schemas.labels, await group('labels'), 'labels');
    for (const name of ['annotations', 'prediction']) {
      const attrs = await group(`labels/${name}`);
      valid(schemas.label, attrs, name);
      valid(schemas.image, attrs, `${name} multiscales`);
    }
    // The schemas do reject what the spec forbids (so a pass above means something).
    expect(schemas.image({ ome: { version: '0.5', multiscales: [{ axes: [{ name: 'x' }], datasets: [] }] } })).toBe(
      false,
    );
    expect((await group('')).ome).toMatchObject({
      multiscales: [
        {
          axes: [
            { name: 'y', unit: 'micrometer' },
            { name: 'x', unit: 'micrometer' },
          ],
        },
      ],
    });

    const read = async (path: string) => {
      const a = await zarr.open(root.resolve(path), { kind: 'array' });
      const r = await zarr.get(a);
      return { data: r.data as Uint8Array, shape: r.shape };
    };
    const img = await read('0');
    expect(img.shape).toEqual([image.height, image.width]);
    expect(Buffer.from(img.data).equals(Buffer.from(image.data))).toBe(true);
    expect((await read('1')).shape).toEqual([Math.ceil(image.height / 2), Math.ceil(image.width / 2)]);

    const labels = await read('labels/annotations/0');
    const at = (d: Uint8Array, x: number, y: number) => d[y * image.width + x];
    expect([0, 1, 2, 3].map((i) => at(labels.data, 600 + i, 100))).toEqual([1, 1, 1, 1]);
    expect([0, 1, 2, 3].map((i) => at(labels.data, 600 + i, 101))).toEqual([2, 2, 2, 2]);
    expect(labels.data.reduce((n, v) => n + (v ? 1 : 0), 0)).toBe(8);

    // Prediction and uncertainty are the stored score maps, patch by patch.
    const store = openStore(join(dir, 'project'));
    try {
      const pred = await read('labels/prediction/0');
      // The result reports myelin areas in µm² (0.05 µm pixels): 4 annotated pixels, and every predicted one.
      const predicted = pred.data.reduce((n, v) => n + (v === 2 ? 1 : 0), 0);
      expect(result.myelinArea.unit).toBe('µm²');
      expect(result.myelinArea.annotated).toBeCloseTo(4 * 0.05 * 0.05, 9);
      expect(result.myelinArea.predicted).toBeCloseTo(predicted * 0.05 * 0.05, 9);
      const unc = await read('uncertainty/0');
      for (let row = 0; row * 512 < image.height; row++) {
        for (let col = 0; col * 512 < image.width; col++) {
          const rec = store.scores.get(slide.id, result.modelVersion!, col, row)!;
          const map = decodeScoreMap(new Uint8Array(readFileSync(join(dir, 'project', rec.mapPath))), rec.size);
          for (let y = row * 512; y < Math.min(image.height, row * 512 + 512); y += 7) {
            for (let x = col * 512; x < Math.min(image.width, col * 512 + 512); x += 5) {
              const i = (y - row * 512) * rec.size + (x - col * 512);
              expect(at(unc.data, x, y)).toBe(map.std[i]);
              expect(at(pred.data, x, y)).toBe(map.mean[i]! >= 128 ? 2 : 1);
            }
          }
        }
      }
    } finally {
      store.close();
    }

    // The export is itself a slide the daemon reads, with the pixel size it was written with.
    const again = await api('/api/slides', { method: 'POST', body: JSON.stringify({ path: out }) });
    expect(again.status).toBe(201);
    expect(SlideInfo.parse(await again.json())).toMatchObject({ width: image.width, pixelSize: slide.pixelSize });

    // An existing target is refused, and nothing half-written is left beside it.
    const twice = await api(`/api/slides/${slide.id}/export/ngff`, {
      method: 'POST',
      body: JSON.stringify({ path: out }),
    });
    expect(twice.status).toBe(409);
    expect(ErrorBody.parse(await twice.json()).error).toMatchObject({ code: 'EXPORT_PATH_EXISTS', field: 'path' });
    expect(readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('refuses a relative path, a model version without scores, and a pixel size not in µm, each naming the field', async () => {
    const slide = scored.get('0.5')!;
    const post = (path: string, body: unknown) => api(path, { method: 'POST', body: JSON.stringify(body) });
    const relative = await post(`/api/slides/${slide.id}/export/ngff`, { path: 'out.ome.zarr' });
    expect(relative.status).toBe(400);
    expect(ErrorBody.parse(await relative.json()).error).toMatchObject({ code: 'BAD_REQUEST', field: 'path' });
    const version = await post(`/api/slides/${slide.id}/export/ngff`, {
      path: join(dir, 'v.ome.zarr'),
      modelVersion: 99,
    });
    expect(version.status).toBe(404);
    expect(ErrorBody.parse(await version.json()).error).toMatchObject({
      code: 'MODEL_VERSION_NOT_FOUND',
      field: 'modelVersion',
    });
    const unit = await post('/api/slides', {
      path: join(dir, 'sem-0.5.ome.zarr'),
      pixelSize: { x: 8, y: 8, unit: 'nm' },
    });
    expect(unit.status).toBe(400);
    expect(ErrorBody.parse(await unit.json()).error.code).toBe('BAD_REQUEST');
  });
});
