import { describe, expect, expectTypeOf, it } from 'vitest';
import { AnnotationAck, AnnotationRequest } from './annotations.js';
import { HealthResponse } from './health.js';
import { JobInfo, StartJobRequest } from './jobs.js';
import { ModelList, ModelVersionParams } from './models.js';
import { NgffExportRequest } from './ngff-export.js';
import { AddSlideRequest, SlideInfo, TileParams, UploadSlideQuery } from './slides.js';
import { SuggestionList, SuggestionsQuery } from './suggestions.js';

const slide = {
  id: 'sl_abc',
  name: 'x.png',
  width: 1541,
  height: 1096,
  tileSize: 256,
  levels: 12,
  format: 'png',
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('http schemas', () => {
  it('slides', () => {
    expect(SlideInfo.parse(slide)).toEqual(slide);
    expect(SlideInfo.safeParse({ ...slide, id: '../etc' }).success).toBe(false);
    expect(AddSlideRequest.parse({ path: '/a/b.tif' })).toEqual({ path: '/a/b.tif' });
    expect(AddSlideRequest.safeParse({ path: '' }).success).toBe(false);
    expect(HealthResponse.parse({ ok: true, protocolVersion: 1 }).ok).toBe(true);
  });

  it('pixel size: positive finite numbers in µm only, on SlideInfo and AddSlideRequest', () => {
    const pixelSize = { x: 0.008, y: 0.01, unit: 'µm' };
    expect(SlideInfo.parse({ ...slide, pixelSize, warnings: ['0: 1 of 4 chunks are missing'] }).pixelSize).toEqual(
      pixelSize,
    );
    expect(AddSlideRequest.parse({ path: '/a.ome.zarr', pixelSize }).pixelSize).toEqual(pixelSize);
    for (const bad of [
      { ...pixelSize, unit: 'nm' },
      { ...pixelSize, x: 0 },
      { ...pixelSize, y: -1 },
      { ...pixelSize, x: Number.POSITIVE_INFINITY },
      { x: 1, y: 1 },
    ]) {
      expect(AddSlideRequest.safeParse({ path: '/a', pixelSize: bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('NGFF export request: a path and an optional model version', () => {
    expect(NgffExportRequest.parse({ path: '/out.ome.zarr' })).toEqual({ path: '/out.ome.zarr' });
    expect(NgffExportRequest.safeParse({ path: '/o', modelVersion: -1 }).success).toBe(false);
    expect(NgffExportRequest.safeParse({ path: '/o', modelVersion: 1.5 }).success).toBe(false);
    expect(NgffExportRequest.safeParse({ path: '' }).success).toBe(false);
  });

  it('upload query: a bare file name of 1–256 characters', () => {
    expect(UploadSlideQuery.parse({ name: 'my slide.tif' })).toEqual({ name: 'my slide.tif', duplicate: 'add' });
    expectTypeOf<UploadSlideQuery>().toEqualTypeOf<{ name: string; size?: number; duplicate: 'add' | 'refuse' }>();
    for (const name of ['', 'x'.repeat(257), '../a.tif', 'a/b.tif', 'a\\b.tif', '..', '.', 'a\u0000.tif', 'a\nb.tif']) {
      expect(UploadSlideQuery.safeParse({ name }).success, JSON.stringify(name)).toBe(false);
    }
    expect(UploadSlideQuery.safeParse({ name: 'x'.repeat(256) }).success).toBe(true);
    expect(UploadSlideQuery.safeParse({ name: '..tif' }).success).toBe(true);
  });

  it('upload query: size is a whole byte count from the query string; duplicate is add or refuse', () => {
    expect(UploadSlideQuery.parse({ name: 'a.tif', size: '209715200', duplicate: 'refuse' })).toEqual({
      name: 'a.tif',
      size: 209_715_200,
      duplicate: 'refuse',
    });
    for (const size of ['-1', '1.5', 'abc']) {
      expect(UploadSlideQuery.safeParse({ name: 'a.tif', size }).success, size).toBe(false);
    }
    expect(UploadSlideQuery.safeParse({ name: 'a.tif', duplicate: 'ask' }).success).toBe(false);
  });

  it('tile params coerce level and restrict the tile name', () => {
    expect(TileParams.parse({ slideId: 's', layer: 'image', level: '3', tile: '1_2.jpeg' }).level).toBe(3);
    expect(TileParams.safeParse({ slideId: 's', layer: 'image', level: '3', tile: '../1_2.jpeg' }).success).toBe(false);
    expect(TileParams.safeParse({ slideId: 's', layer: 'mask', level: '3', tile: '1_2.png' }).success).toBe(false);
  });

  it('annotations: both mask encodings, region must be positive', () => {
    const base = { slideId: 'sl_1', region: { x: 0, y: 0, width: 2, height: 2 }, clientId: 'client-0001' };
    expect(AnnotationRequest.parse({ ...base, mask: { encoding: 'rle', counts: [1, 2, 1] } }).mask.encoding).toBe(
      'rle',
    );
    expect(AnnotationRequest.parse({ ...base, mask: { encoding: 'png-base64', data: 'iVBOR' } }).mask.encoding).toBe(
      'png-base64',
    );
    const bad = AnnotationRequest.safeParse({ ...base, region: { x: -1, y: 0, width: 0, height: 2 }, mask: {} });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['region.x', 'region.width', 'mask.encoding']);
    expect(
      AnnotationAck.parse({
        id: 'an_1',
        slideId: 'sl_1',
        clientId: 'client-0001',
        patches: [{ col: 0, row: 0, x: 0, y: 0, size: 512, coveredPixels: 4 }],
      }).patches,
    ).toHaveLength(1);
  });

  it('suggestions: k defaults and is bounded', () => {
    expect(SuggestionsQuery.parse({ slideId: 'sl_1' }).k).toBe(10);
    expect(SuggestionsQuery.parse({ slideId: 'sl_1', k: '3' }).k).toBe(3);
    expect(SuggestionsQuery.safeParse({ slideId: 'sl_1', k: '0' }).success).toBe(false);
    expect(SuggestionList.parse({ slideId: 'sl_1', modelVersion: null, suggestions: [] }).suggestions).toEqual([]);
  });

  it('jobs: discriminated on kind', () => {
    const infer = StartJobRequest.parse({ kind: 'infer', slideId: 'sl_1', acquisition: 'uncertainty' });
    expect(infer.kind).toBe('infer');
    const train = StartJobRequest.parse({ kind: 'train', mode: 'finetune', epochs: 3 });
    if (train.kind === 'train') expectTypeOf(train.mode).toEqualTypeOf<'finetune' | 'scratch'>();
    const bad = StartJobRequest.safeParse({ kind: 'train', mode: 'warm' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['mode']);
    expect(StartJobRequest.safeParse({ kind: 'export' }).success).toBe(false);
    expect(
      JobInfo.parse({
        id: 'jb_1',
        kind: 'infer',
        state: 'failed',
        progress: { done: 1, total: 2 },
        error: { code: 'DAEMON_RESTARTED', message: 'daemon restarted' },
        createdAt: 'x',
      }).state,
    ).toBe('failed');
  });

  it('models: a version path parameter is a positive integer, and a kept-aside version carries its warning', () => {
    expect(ModelVersionParams.parse({ version: '12' })).toEqual({ version: 12 });
    for (const bad of ['0', '-1', '1.5', 'abc', '1e3x', '1000000000']) {
      expect(ModelVersionParams.safeParse({ version: bad }).success).toBe(false);
    }
    const kept = {
      version: 2,
      createdAt: '2026-12-05T06:00:00.000Z',
      mode: 'finetune',
      parentVersion: 1,
      annotationsUsed: 7,
      trainPatches: 12,
      valPatches: 3,
      valDice: 0.25,
      comparedWith: { version: 1, valDice: 0.763 },
      promoted: false,
      warning: 'below the current v1',
      current: false,
    };
    expect(ModelList.parse({ current: 1, versions: [kept] }).versions[0]).toEqual(kept);
    expect(ModelList.safeParse({ current: 1, versions: [{ ...kept, mode: 'guess' }] }).success).toBe(false);
    expect(ModelList.safeParse({ current: 1, versions: [{ ...kept, valDice: 1.5 }] }).success).toBe(false);
  });
});
