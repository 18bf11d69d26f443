import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorBody, JobInfo, SlideInfo } from '@activeseg/protocol';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelEngine, type ModelEngine } from '../../daemon/src/engine/model-engine.js';
import { selectBackend } from '../../daemon/src/model/backend.js';
import { type StartServerResult, startServer } from '../../daemon/src/server.js';
import { MICRO_PRESET } from '../../daemon/src/testing/micro-preset.js';
import { DEMO_IMAGE } from '../../daemon/src/testing/temp-project.js';
import { bandsOf, writeOmeZarr } from '../../daemon/src/testing/write-ome-zarr.js';

let dir: string;
let server: StartServerResult;
let engine: ModelEngine;
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
  await selectBackend({ purpose: 'train' });
  engine = await createModelEngine({
    modelsDir: join(dir, 'models'),
    preset: MICRO_PRESET,
    tfjsBackend: 'wasm',
    onnx: false,
    log: () => {},
  });
  // Version 0 cannot score: one short fine-tune on a patch of the same texture gives a model that can.
  const size = 64;
  const patch = new Float32Array(size * size);
  for (let i = 0; i < patch.length; i++) patch[i] = image.data[(i >> 6) * image.width + (i & 63)]! / 255;
  await engine.train({
    patches: [{ slideId: 's', col: 0, row: 0, size }],
    loadPatch: async () => ({
      size,
      image: patch,
      labels: Uint8Array.from(patch, (v) => (v > 0.5 ? 1 : 0)),
      weight: new Uint8Array(size * size).fill(1),
    }),
    mode: 'finetune',
    epochs: 1,
    signal: new AbortController().signal,
    onProgress: () => {},
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
