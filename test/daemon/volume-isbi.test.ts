import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AnnotationAck,
  AnnotationList,
  ErrorBody,
  JobInfo,
  NgffExportResult,
  SlideInfo,
  type Suggestion,
  SuggestionList,
} from '@activeseg/protocol';
import FileSystemStore from '@zarrita/storage/fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as zarr from 'zarrita';
import type { ReloadableModelEngine } from '../../daemon/src/engine/model-engine.js';
import type { ModelEngine, TrainingPatch, TrainingPatchRef } from '../../daemon/src/engine/model-engine-api.js';
import { patchSeed } from '../../daemon/src/jobs/infer-job.js';
import { type StartServerResult, startServer } from '../../daemon/src/server.js';
import { openStore } from '../../daemon/src/store/db.js';
import { createScoringMicroEngine } from '../../daemon/src/testing/micro-engine.js';
import { writeOmeZarr } from '../../daemon/src/testing/write-ome-zarr.js';

/**
 * The ISBI 2012 serial-section TEM stack (../shared/data, research use: never committed) turned into the two volume
 * containers a lab would hand over, a multi-page TIFF and an OME-Zarr with a z axis, generated here in a temp folder,
 * then walked through the daemon's whole loop: add, browse sections, score every section (the viewed one first),
 * suggestions across sections, annotate on one section, train on it, and overlays on every section at the new version.
 */
const ISBI = fileURLToPath(new URL('../../../shared/data/isbi2012-em-membrane/images/', import.meta.url));
const SIZE = 512;
const PATCH = 256;

let dir: string;
let server: StartServerResult;
let engine: ReloadableModelEngine;
let sections: Uint8Array[];
/** What the train job loaded, per patch: the spy sees exactly what the engine trains on. */
const trainedOn: { ref: TrainingPatchRef; patch: TrainingPatch }[] = [];
/** MC seeds of the cells scored, in order: a seed names its cell (patchSeed). */
const scoredSeeds: number[] = [];

beforeAll(async () => {
  if (!existsSync(ISBI)) throw new Error(`the ISBI 2012 stack is not at ${ISBI}: this test needs ../shared/data`);
  dir = mkdtempSync(join(tmpdir(), 'activeseg-isbi-volume-'));
  const files = readdirSync(ISBI)
    .filter((f) => f.endsWith('.png'))
    .sort();
  sections = await Promise.all(
    files.map(async (f) => new Uint8Array(await sharp(join(ISBI, f)).toColourspace('b-w').raw().toBuffer())),
  );
  await sharp(Buffer.concat(sections), {
    raw: { width: SIZE, height: SIZE * sections.length, channels: 1, pageHeight: SIZE },
  })
    .toColourspace('b-w')
    .tiff({ compression: 'deflate', tile: true, tileWidth: 256, tileHeight: 256 })
    .toFile(join(dir, 'isbi-stack.tif'));
  await writeOmeZarr(join(dir, 'isbi.ome.zarr'), {
    version: '0.5',
    width: SIZE,
    height: SIZE,
    sections: sections.length,
    chunk: 256,
    levels: 2,
    pixelSizeNm: 4,
    band: (y0, rows, z) => sections[z]!.subarray(y0 * SIZE, (y0 + rows) * SIZE),
  });
  // Version 0 cannot score: one short fine-tune on a section-0 patch gives a model that can.
  engine = await createScoringMicroEngine({
    modelsDir: join(dir, 'models'),
    grey: { data: sections[0]!, width: SIZE },
    label: (v) => (v < 0.4 ? 1 : 0),
  });
  const spy: ModelEngine = {
    get backendName() {
      return engine.backendName;
    },
    modelVersion: () => engine.modelVersion(),
    // The full pass count (4): 88 cells are more than 2 × 20, so the job runs its two phases.
    mcPasses: () => engine.mcPasses?.() ?? 0,
    scorePatch: (patch, size, signal, options) => {
      if (options?.seed !== undefined) scoredSeeds.push(options.seed);
      return engine.scorePatch(patch, size, signal, options);
    },
    train: async (options) => {
      for (const ref of options.patches) trainedOn.push({ ref, patch: await options.loadPatch(ref, options.signal) });
      return engine.train(options);
    },
  };
  server = await startServer({
    projectDir: join(dir, 'project'),
    port: 0,
    host: '127.0.0.1',
    engine: spy,
    config: { patchSize: PATCH },
    log: () => {},
  });
}, 180_000);
afterAll(async () => {
  await server?.close();
  await engine?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const headers = () => ({ authorization: `Bearer ${server.token}`, 'content-type': 'application/json' });
const api = (path: string, init: RequestInit = {}) => fetch(`${server.origin}${path}`, { headers: headers(), ...init });

async function runJob(body: unknown): Promise<JobInfo> {
  const started = await api('/api/jobs', { method: 'POST', body: JSON.stringify(body) });
  expect(started.status).toBe(202);
  const { id } = JobInfo.parse(await started.json());
  for (let i = 0; i < 1200; i++) {
    const job = JobInfo.parse(await (await api(`/api/jobs/${id}`)).json());
    if (job.state === 'done' || job.state === 'failed' || job.state === 'cancelled') return job;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`job ${id} did not finish`);
}

/** A full-resolution image tile of one section, as grey bytes. */
async function imageTile(slide: SlideInfo, col: number, row: number, z: number): Promise<Buffer> {
  const res = await api(`/api/slides/${slide.id}/tiles/image/${slide.levels - 1}/${col}_${row}.png?z=${z}`);
  expect(res.status).toBe(200);
  return sharp(Buffer.from(await res.arrayBuffer()))
    .extractChannel(0)
    .raw()
    .toBuffer();
}

function sectionWindow(z: number, x: number, y: number, w: number, h: number): Buffer {
  const out = Buffer.alloc(w * h);
  for (let r = 0; r < h; r++) out.set(sections[z]!.subarray((y + r) * SIZE + x, (y + r) * SIZE + x + w), r * w);
  return out;
}

describe('the ISBI 2012 stack as an OME-Zarr with a z axis', () => {
  it('is added in place as a volume whose sections serve their own pixels', async () => {
    const res = await api('/api/slides', {
      method: 'POST',
      body: JSON.stringify({ path: join(dir, 'isbi.ome.zarr') }),
    });
    expect(res.status).toBe(201);
    const slide = SlideInfo.parse(await res.json());
    expect(slide).toMatchObject({ width: SIZE, height: SIZE, format: 'ome-zarr', sections: sections.length });
    expect(slide.pixelSize).toEqual({ x: 0.004, y: 0.004, unit: 'µm' });
    for (const z of [0, 11, sections.length - 1]) {
      expect((await imageTile(slide, 1, 0, z)).equals(sectionWindow(z, 256, 0, 256, 256)), `section ${z}`).toBe(true);
    }
  });
});

describe('the ISBI 2012 stack as a multi-page TIFF walks the whole loop', () => {
  let slide: SlideInfo;
  const viewed = 5;
  const annotatedSection = 7;

  it('is added as one slide with a section per page', async () => {
    const res = await api('/api/slides', {
      method: 'POST',
      body: JSON.stringify({ path: join(dir, 'isbi-stack.tif') }),
    });
    expect(res.status).toBe(201);
    slide = SlideInfo.parse(await res.json());
    expect(slide).toMatchObject({ width: SIZE, height: SIZE, format: 'tiff', sections: sections.length });
  });

  it('browses sections: each section tile is that page, and a section past the last is SECTION_OUT_OF_RANGE', async () => {
    for (const z of [0, 1, 13, sections.length - 1]) {
      expect((await imageTile(slide, 0, 1, z)).equals(sectionWindow(z, 0, 256, 256, 256)), `section ${z}`).toBe(true);
    }
    const res = await api(`/api/slides/${slide.id}/tiles/image/0/0_0.jpeg?z=${sections.length}`);
    expect(res.status).toBe(404);
    expect(ErrorBody.parse(await res.json()).error).toMatchObject({ code: 'SECTION_OUT_OF_RANGE', field: 'z' });
  });

  it('scores every section, the viewed one first, and suggests cells across sections', async () => {
    scoredSeeds.length = 0;
    const job = await runJob({ kind: 'infer', slideId: slide.id, z: viewed });
    expect(job.state, JSON.stringify(job.error)).toBe('done');
    // Two phases: every cell at 3 passes, then the top 20 (and the cells near the 20th) again at the full count.
    const cells = sections.length * (SIZE / PATCH) ** 2;
    expect(job.progress.done).toBe(job.progress.total);
    expect(job.progress.total).toBeGreaterThanOrEqual(cells + 20);
    expect(job.progress.total).toBeLessThan(2 * cells);
    const store = openStore(join(dir, 'project'));
    try {
      const rows = store.db
        .prepare<[string], { z: number; n: number }>(
          'SELECT z, COUNT(*) AS n FROM scores WHERE slide_id = ? GROUP BY z ORDER BY z',
        )
        .all(slide.id);
      expect(rows.map((r) => r.z)).toEqual(sections.map((_, z) => z));
      expect(rows.every((r) => r.n === (SIZE / PATCH) ** 2)).toBe(true);
    } finally {
      store.close();
    }
    // The viewed section's cells are the first scored.
    const version = engine.modelVersion();
    const zOfSeed = new Map<number, number>();
    for (let z = 0; z < sections.length; z++)
      for (let row = 0; row < SIZE / PATCH; row++)
        for (let col = 0; col < SIZE / PATCH; col++) zOfSeed.set(patchSeed(slide.id, col, row, version, z), z);
    expect(scoredSeeds.slice(0, (SIZE / PATCH) ** 2).map((seed) => zOfSeed.get(seed))).toEqual([
      viewed,
      viewed,
      viewed,
      viewed,
    ]);
    const list = SuggestionList.parse(await (await api(`/api/suggestions?slideId=${slide.id}&k=500`)).json());
    const zs = new Set(list.suggestions.map((s) => s.patch.z ?? 0));
    expect(zs.size).toBe(sections.length);
    const scores = list.suggestions.map((s) => s.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  }, 600_000);

  it('serves each section its own overlay', async () => {
    const tile = async (z: number) => {
      const res = await api(`/api/slides/${slide.id}/tiles/prediction/${slide.levels - 1}/0_0.png?z=${z}`);
      expect(res.status).toBe(200);
      return Buffer.from(await res.arrayBuffer());
    };
    expect((await tile(0)).equals(await tile(9))).toBe(false);
  });

  it('annotates on one section only: the ack, the list and the suggestions say which', async () => {
    // Membranes (dark) as foreground over the section's top-left cell.
    const region = { x: 0, y: 0, width: PATCH, height: PATCH };
    const window = sectionWindow(annotatedSection, 0, 0, PATCH, PATCH);
    const mask = Buffer.from(window.map((v) => (v < 100 ? 255 : 0)));
    const png = await sharp(mask, { raw: { width: PATCH, height: PATCH, channels: 1 } })
      .png()
      .toBuffer();
    const res = await api('/api/annotations', {
      method: 'POST',
      body: JSON.stringify({
        slideId: slide.id,
        region,
        z: annotatedSection,
        clientId: 'isbi-volume-annotation-1',
        mask: { encoding: 'png-base64', data: png.toString('base64') },
      }),
    });
    expect(res.status).toBe(201);
    const ack = AnnotationAck.parse(await res.json());
    expect(ack.z).toBe(annotatedSection);
    expect(ack.patches).toEqual([{ col: 0, row: 0, x: 0, y: 0, size: PATCH, coveredPixels: PATCH ** 2, z: 7 }]);
    const listed = AnnotationList.parse(await (await api(`/api/annotations?slideId=${slide.id}`)).json());
    expect(listed.annotations.map((a) => a.z)).toEqual([annotatedSection]);
    const list = SuggestionList.parse(await (await api(`/api/suggestions?slideId=${slide.id}&k=500`)).json());
    const key = (s: Suggestion) => `${s.patch.z ?? 0}/${s.patch.col}/${s.patch.row}`;
    const keys = new Set(list.suggestions.map(key));
    expect(keys.has(`${annotatedSection}/0/0`)).toBe(false);
    // The same cell on other sections is still unlabelled, so still suggested.
    expect(keys.has('0/0/0')).toBe(true);
    expect(keys.has(`${annotatedSection + 1}/0/0`)).toBe(true);
    // A section past the last is refused, and stores nothing.
    const bad = await api('/api/annotations', {
      method: 'POST',
      body: JSON.stringify({
        slideId: slide.id,
        region,
        z: sections.length,
        clientId: 'isbi-volume-annotation-2',
        mask: { encoding: 'png-base64', data: png.toString('base64') },
      }),
    });
    expect(bad.status).toBe(404);
    expect(ErrorBody.parse(await bad.json()).error.code).toBe('SECTION_OUT_OF_RANGE');
  });

  it('trains on the annotated section: the patch is that section’s pixels with its labels', async () => {
    const before = engine.modelVersion();
    const job = await runJob({ kind: 'train', mode: 'finetune', epochs: 1 });
    expect(job.state, JSON.stringify(job.error)).toBe('done');
    // One epoch on one cell may score below the current model on its validation patches and be kept aside; the
    // overlays of every section are about to be re-scored at the version trained on this section, so make it current.
    if (engine.modelVersion() !== before + 1) await engine.promote(before + 1);
    expect(engine.modelVersion()).toBe(before + 1);
    expect(trainedOn.map((t) => t.ref)).toEqual([
      { slideId: slide.id, col: 0, row: 0, size: PATCH, z: annotatedSection },
    ]);
    const { patch } = trainedOn[0]!;
    const want = sectionWindow(annotatedSection, 0, 0, PATCH, PATCH);
    const got = Buffer.from(patch.image.map((v) => Math.round(v * 255)));
    expect(got.equals(want)).toBe(true);
    // Section 0 differs from section 7 in that cell, so the check above tells the sections apart.
    expect(sectionWindow(0, 0, 0, PATCH, PATCH).equals(want)).toBe(false);
    expect(patch.labels.reduce((s, v) => s + v, 0)).toBe(want.reduce((s, v) => s + (v < 100 ? 1 : 0), 0));
  }, 300_000);

  it('re-scores every section at the new version: overlays on every section move to it', async () => {
    const version = engine.modelVersion();
    const job = await runJob({ kind: 'infer', slideId: slide.id, z: annotatedSection });
    expect(job.state, JSON.stringify(job.error)).toBe('done');
    const list = SuggestionList.parse(await (await api(`/api/suggestions?slideId=${slide.id}&k=500`)).json());
    expect(list.modelVersion).toBe(version);
    expect(new Set(list.suggestions.map((s) => s.patch.z ?? 0)).size).toBe(sections.length);
    for (let z = 0; z < sections.length; z++) {
      const res = await api(
        `/api/slides/${slide.id}/tiles/uncertainty/${slide.levels - 1}/1_1.png?v=${version}&z=${z}`,
      );
      expect(res.status, `section ${z}`).toBe(200);
    }
  }, 600_000);

  it('exports the volume as an OME-Zarr with a z axis that reads back through zarrita and validates', async () => {
    const out = join(dir, 'isbi-export.ome.zarr');
    const res = await api(`/api/slides/${slide.id}/export/ngff`, {
      method: 'POST',
      body: JSON.stringify({ path: out }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const result = NgffExportResult.parse(await res.json());
    expect(result.scoredPatches).toBe(sections.length * (SIZE / PATCH) ** 2);

    const schemaDir = join(import.meta.dirname, '..', 'fixtures', 'ngff-0.5');
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const schema = (name: string) => ajv.compile(JSON.parse(readFileSync(join(schemaDir, name), 'utf8')));
    const valid = (v: ValidateFunction, attrs: unknown, what: string) =>
      expect(v(attrs), `${what}: ${ajv.errorsText(v.errors)}`).toBe(true);
    const root = zarr.root(new FileSystemStore(out));
    const group = async (path: string) => (await zarr.open(path ? root.resolve(path) : root, { kind: 'group' })).attrs;
    valid(schema('image.schema.json'), await group(''), 'image');
    valid(schema('image.schema.json'), await group('uncertainty'), 'uncertainty');
    valid(schema('labels.schema.json'), await group('labels'), 'labels');
    for (const name of ['annotations', 'prediction'])
      valid(schema('label.schema.json'), await group(`labels/${name}`), name);
    expect((await group('')).ome).toMatchObject({
      multiscales: [{ axes: [{ name: 'z' }, { name: 'y' }, { name: 'x' }] }],
    });

    const read = async (path: string) => {
      const r = await zarr.get(await zarr.open(root.resolve(path), { kind: 'array' }));
      return { data: r.data as Uint8Array, shape: r.shape };
    };
    const img = await read('0');
    expect(img.shape).toEqual([sections.length, SIZE, SIZE]);
    expect(Buffer.from(img.data).equals(Buffer.concat(sections))).toBe(true);
    expect((await read('1')).shape).toEqual([sections.length, SIZE / 2, SIZE / 2]);
    // The annotation is on its section only: labelled (1 or 2) over the cell on section 7, 0 everywhere else.
    const labels = await read('labels/annotations/0');
    const plane = SIZE * SIZE;
    const labelled = (z: number) =>
      labels.data.subarray(z * plane, (z + 1) * plane).reduce((n, v) => n + (v ? 1 : 0), 0);
    expect(sections.map((_, z) => labelled(z))).toEqual(
      sections.map((_, z) => (z === annotatedSection ? PATCH ** 2 : 0)),
    );
    // Every section was scored, so every section has a prediction (1 or 2 on every pixel).
    const pred = await read('labels/prediction/0');
    for (let z = 0; z < sections.length; z++) {
      expect(
        pred.data.subarray(z * plane, (z + 1) * plane).every((v) => v > 0),
        `section ${z}`,
      ).toBe(true);
    }
    // The export is itself a volume the daemon reads.
    const again = await api('/api/slides', { method: 'POST', body: JSON.stringify({ path: out }) });
    expect(again.status).toBe(201);
    expect(SlideInfo.parse(await again.json())).toMatchObject({ width: SIZE, sections: sections.length });
  }, 300_000);
});
