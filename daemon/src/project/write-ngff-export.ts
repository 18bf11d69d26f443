import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { NgffExportResult } from '@activeseg/protocol';
import FileSystemStore from '@zarrita/storage/fs';
import * as zarr from 'zarrita';
import { ApiError } from '../errors/api-error.js';
import type { SlideSource } from '../slides/slide-source.js';
import type { Store } from '../store/db.js';
import { decodeScoreMap } from '../store/score-map.js';
import type { SlideRecord } from '../store/slides-repo.js';
import { loadPatchLabels } from './load-patch-labels.js';
import type { ProjectPaths } from './project-paths.js';

export interface WriteNgffExportDeps {
  store: Store;
  paths: ProjectPaths;
}

export interface WriteNgffExportOptions {
  /** The slide's pixels. */
  source: SlideSource;
  /** Edge of the score/annotation patch grid; also the chunk edge, so every write is one whole chunk. */
  patchSize: number;
  /** Scores of this model version go in `prediction` and `uncertainty`; undefined writes them empty. */
  modelVersion?: number | undefined;
  signal?: AbortSignal;
}

export type WriteNgffExportResult = NgffExportResult;

/** Label values shared by `labels/annotations` and `labels/prediction` (0 = not annotated / not scored). */
export const NGFF_LABEL_VALUES = { background: 1, myelin: 2 } as const;
const LABEL_COLORS = [
  { 'label-value': NGFF_LABEL_VALUES.background, rgba: [80, 80, 220, 128] },
  { 'label-value': NGFF_LABEL_VALUES.myelin, rgba: [255, 200, 0, 255] },
];
const LABEL_PROPERTIES = [
  { 'label-value': NGFF_LABEL_VALUES.background, name: 'background' },
  { 'label-value': NGFF_LABEL_VALUES.myelin, name: 'myelin' },
];

type Plane = 'image' | 'uncertainty' | 'labels/annotations' | 'labels/prediction';
const PLANES: readonly Plane[] = ['image', 'uncertainty', 'labels/annotations', 'labels/prediction'];
/** Array group of each plane, relative to the store root (the image is the root multiscale). */
const GROUP: Record<Plane, string> = {
  image: '',
  uncertainty: 'uncertainty',
  'labels/annotations': 'labels/annotations',
  'labels/prediction': 'labels/prediction',
};

/**
 * Writes a slide as an OME-Zarr (NGFF v0.5, Zarr v3, zstd-in-blosc chunks of `patchSize`²) that napari and the NGFF
 * validators read: the slide as the root multiscale image, `labels/annotations` (the biologist's labels) and
 * `labels/prediction` (mean probability ≥ 0.5) as image-labels with colours, and `uncertainty/` (MC-dropout std,
 * uint8 0–255 as the daemon stores it) as a second multiscale image — a continuous map is not a label image.
 * A volume gets a leading z axis (one section per chunk, its spacing unknown: scale 1) on every plane.
 * Every plane has the same levels (each half the last, down to one chunk). Level 0 is written one patch at a time,
 * each coarser level from the one before, so memory stays at a few chunks. The store is written beside `outPath`
 * and renamed into place at the end: a failed or cancelled export leaves nothing at `outPath`.
 */
export async function writeNgffExport(
  deps: WriteNgffExportDeps,
  slide: SlideRecord,
  outPath: string,
  options: WriteNgffExportOptions,
): Promise<WriteNgffExportResult> {
  const { source, patchSize: chunk, modelVersion, signal } = options;
  if (await stat(outPath).catch(() => undefined)) {
    throw new ApiError('EXPORT_PATH_EXISTS', `${outPath} already exists; name a new path`, 'path');
  }
  if (!(await stat(dirname(outPath)).catch(() => undefined))?.isDirectory()) {
    throw new ApiError('EXPORT_PATH_EXISTS', `${dirname(outPath)} is not a folder the daemon can write into`, 'path');
  }
  const tmp = join(dirname(outPath), `.${basename(outPath)}.partial-${process.pid}-${Date.now()}`);
  try {
    const result = await writeStore(deps, slide, tmp, { chunk, source, modelVersion, signal });
    await rename(tmp, outPath);
    return { ...result, path: outPath };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function writeStore(
  deps: WriteNgffExportDeps,
  slide: SlideRecord,
  dir: string,
  o: { chunk: number; source: SlideSource; modelVersion: number | undefined; signal: AbortSignal | undefined },
): Promise<Omit<WriteNgffExportResult, 'path'>> {
  const { chunk, source } = o;
  const sections = slide.sections ?? 1;
  const volume = sections > 1;
  await mkdir(dir, { recursive: true });
  const store = new FileSystemStore(dir);
  const root = zarr.root(store);
  const shapes: [number, number][] = [[slide.height, slide.width]];
  while (Math.max(...shapes.at(-1)!) > chunk) {
    const [h, w] = shapes.at(-1)!;
    shapes.push([Math.ceil(h / 2), Math.ceil(w / 2)]);
  }
  const px = slide.pixelSize;
  const axes = [
    ...(volume ? [{ name: 'z', type: 'space' }] : []),
    ...['y', 'x'].map((name) => ({ name, type: 'space', ...(px ? { unit: 'micrometer' } : {}) })),
  ];
  const multiscale = (name: string) => ({
    name,
    axes,
    datasets: shapes.map((_, k) => ({
      path: String(k),
      coordinateTransformations: [
        { type: 'scale', scale: [...(volume ? [1] : []), (px?.y ?? 1) * 2 ** k, (px?.x ?? 1) * 2 ** k] },
      ],
    })),
  });
  const ome = (extra: Record<string, unknown>) => ({ ome: { version: '0.5', ...extra } });
  await zarr.create(root, { attributes: ome({ multiscales: [multiscale(slide.name)] }) });
  await zarr.create(root.resolve('uncertainty'), {
    attributes: ome({ multiscales: [multiscale('uncertainty (MC-dropout std × 255)')] }),
  });
  await zarr.create(root.resolve('labels'), { attributes: ome({ labels: ['annotations', 'prediction'] }) });
  for (const name of ['annotations', 'prediction']) {
    await zarr.create(root.resolve(`labels/${name}`), {
      attributes: ome({
        multiscales: [multiscale(name)],
        'image-label': { colors: LABEL_COLORS, properties: LABEL_PROPERTIES, source: { image: '../../' } },
      }),
    });
  }
  const arrays = new Map<string, zarr.Array<'uint8', FileSystemStore>>();
  for (const plane of PLANES) {
    for (const [k, shape] of shapes.entries()) {
      const path = GROUP[plane] ? `${GROUP[plane]}/${k}` : String(k);
      arrays.set(
        `${plane}/${k}`,
        await zarr.create(root.resolve(path), {
          shape: volume ? [sections, ...shape] : shape,
          chunkShape: volume ? [1, chunk, chunk] : [chunk, chunk],
          dtype: 'uint8',
          fillValue: 0,
          dimensionNames: volume ? ['z', 'y', 'x'] : ['y', 'x'],
          codecs: [
            { name: 'bytes', configuration: {} },
            {
              name: 'blosc',
              configuration: { cname: 'zstd', clevel: 3, shuffle: 'noshuffle', typesize: 1, blocksize: 0 },
            },
          ],
        }),
      );
    }
  }
  const array = (plane: Plane, k: number) => arrays.get(`${plane}/${k}`)!;

  let scoredPatches = 0;
  let annotatedPx = 0;
  let predictedPx = 0;
  const count = (data: Uint8Array) => data.reduce((n, v) => n + (v === NGFF_LABEL_VALUES.myelin ? 1 : 0), 0);
  const cols = Math.ceil(slide.width / chunk);
  const rows = Math.ceil(slide.height / chunk);
  for (let z = 0; z < sections; z++) {
    for (let row = 0; row < rows; row++) {
      for (let col = 0; col < cols; col++) {
        o.signal?.throwIfAborted();
        const x = col * chunk;
        const y = row * chunk;
        const w = Math.min(chunk, slide.width - x);
        const h = Math.min(chunk, slide.height - y);
        const at = [...(volume ? [z] : []), zarr.slice(y, y + h), zarr.slice(x, x + w)];
        const put = (plane: Plane, data: Uint8Array) =>
          zarr.set(array(plane, 0), at, { data, shape: [h, w], stride: [w, 1] });
        await put('image', await source.readRegion({ level: 0, x, y, width: w, height: h, z }));
        const ann = await loadPatchLabels(deps, { slideId: slide.id, col, row, size: chunk, z });
        const labels = crop(chunk, w, h, (i) => (ann.weight[i] ? (ann.labels[i] ? 2 : 1) : 0));
        annotatedPx += count(labels);
        await put('labels/annotations', labels);
        const score =
          o.modelVersion === undefined ? undefined : deps.store.scores.get(slide.id, o.modelVersion, col, row, z);
        const bytes = score && (await readFile(deps.paths.fromStored(score.mapPath)).catch(() => undefined));
        if (score && bytes) {
          const map = decodeScoreMap(new Uint8Array(bytes), score.size);
          scoredPatches++;
          const prediction = crop(score.size, w, h, (i) => (map.mean[i]! >= 128 ? 2 : 1));
          predictedPx += count(prediction);
          await put('labels/prediction', prediction);
          await put(
            'uncertainty',
            crop(score.size, w, h, (i) => map.std[i]!),
          );
        }
      }
    }
  }
  for (let k = 1; k < shapes.length; k++) {
    for (const plane of PLANES) {
      for (let z = 0; z < sections; z++) {
        await writeLevel(
          array(plane, k - 1),
          array(plane, k),
          chunk,
          plane.startsWith('labels/') ? 'nearest' : 'mean',
          volume ? z : undefined,
          o.signal,
        );
      }
    }
  }
  const area = px ? px.x * px.y : 1;
  return {
    levels: shapes.length,
    modelVersion: o.modelVersion ?? null,
    scoredPatches,
    myelinArea: { annotated: annotatedPx * area, predicted: predictedPx * area, unit: px ? 'µm²' : 'px' },
  };
}

/** The w × h top-left of a size × size grid, valued by `at(index in the grid)`. */
function crop(size: number, w: number, h: number, at: (i: number) => number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) out[r * w + c] = at(r * size + c);
  return out;
}

/**
 * Level k from level k−1, one output chunk at a time: 2×2 mean for intensities, top-left pixel for labels. `z` is the
 * section of a volume's arrays (undefined for 2D arrays).
 */
async function writeLevel(
  from: zarr.Array<'uint8', FileSystemStore>,
  to: zarr.Array<'uint8', FileSystemStore>,
  chunk: number,
  mode: 'mean' | 'nearest',
  z: number | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const lead = z === undefined ? [] : [z];
  const [H, W] = to.shape.slice(-2) as [number, number];
  const [sh, sw] = from.shape.slice(-2) as [number, number];
  for (let y = 0; y < H; y += chunk) {
    for (let x = 0; x < W; x += chunk) {
      signal?.throwIfAborted();
      const h = Math.min(chunk, H - y);
      const w = Math.min(chunk, W - x);
      const y1 = Math.min(sh, 2 * (y + h));
      const x1 = Math.min(sw, 2 * (x + w));
      const src = await zarr.get(from, [...lead, zarr.slice(2 * y, y1), zarr.slice(2 * x, x1)]);
      const sW = x1 - 2 * x;
      const sH = y1 - 2 * y;
      const d = src.data as Uint8Array;
      const out = new Uint8Array(w * h);
      for (let r = 0; r < h; r++) {
        const r0 = 2 * r;
        const r1 = Math.min(sH - 1, r0 + 1);
        for (let c = 0; c < w; c++) {
          const c0 = 2 * c;
          const c1 = Math.min(sW - 1, c0 + 1);
          out[r * w + c] =
            mode === 'nearest'
              ? d[r0 * sW + c0]!
              : (d[r0 * sW + c0]! + d[r0 * sW + c1]! + d[r1 * sW + c0]! + d[r1 * sW + c1]! + 2) >> 2;
        }
      }
      await zarr.set(to, [...lead, zarr.slice(y, y + h), zarr.slice(x, x + w)], {
        data: out,
        shape: [h, w],
        stride: [w, 1],
      });
    }
  }
}
