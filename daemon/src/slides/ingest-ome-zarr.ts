import { access, readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as zarr from 'zarrita';
import { z } from 'zod';
import { ApiError } from '../errors/api-error.js';
import { type OmeZarrLevel, type OmeZarrSource, openOmeZarrSource } from './ome-zarr-source.js';

export interface IngestOmeZarrOptions {
  /** Over this many level-0 pixels → SLIDE_TOO_LARGE; 0 disables the check. */
  maxSlidePixels?: number;
  signal?: AbortSignal;
}

export interface IngestOmeZarrResult {
  name: string;
  source: OmeZarrSource;
  /** Said in the slide's info, e.g. chunks missing from the store (they read as the fill value). */
  warnings: string[];
}

/**
 * Validates an OME-Zarr directory without reading its pixels: metadata, axes and shapes (openOmeZarrSource), the
 * pixel limit, one chunk of every dataset decoded (so an unknown or broken codec fails now, not at the first
 * tile), and a count of the chunk files against the chunk grid. Nothing is written, so a refused store leaves
 * nothing behind.
 */
export async function ingestOmeZarr(dir: string, options: IngestOmeZarrOptions = {}): Promise<IngestOmeZarrResult> {
  const { maxSlidePixels = 0, signal } = options;
  const source = await openOmeZarrSource(dir);
  const pixels = source.width * source.height;
  if (maxSlidePixels > 0 && pixels > maxSlidePixels) {
    throw new ApiError(
      'SLIDE_TOO_LARGE',
      `${dir} has ${pixels} pixels at ${source.zarrLevels[0]!.path}, over the limit of ${maxSlidePixels}`,
      'path',
    );
  }
  const warnings: string[] = [];
  for (const level of source.zarrLevels) {
    signal?.throwIfAborted();
    await decodeFirstChunk(source, level, `${dir}/${level.path}`);
    const grid = (await fileGridOf(join(dir, level.path))) ?? level.array.chunks;
    const expected = level.array.shape.map((n, i) => Math.ceil(n / grid[i]!)).reduce((a, b) => a * b, 1);
    const present = await countChunkFiles(join(dir, level.path));
    if (present < expected) {
      warnings.push(
        `${level.path}: ${expected - present} of ${expected} chunks are missing and read as the fill value (${String(level.array.fillValue ?? 0)})`,
      );
    }
  }
  return { name: basename(dir), source, warnings };
}

/** Whether a directory holds Zarr metadata at its root (v3 `zarr.json`, or v2 `.zgroup` / `.zattrs`). */
export async function isZarrStore(dir: string): Promise<boolean> {
  for (const name of ['zarr.json', '.zgroup', '.zattrs']) {
    if (
      await access(join(dir, name)).then(
        () => true,
        () => false,
      )
    )
      return true;
  }
  return false;
}

async function decodeFirstChunk(source: OmeZarrSource, level: OmeZarrLevel, where: string): Promise<void> {
  const { y, x } = source.multiscales;
  const selection = source.multiscales.axes.map((_, i) =>
    i === y
      ? zarr.slice(0, Math.min(level.chunkHeight, level.height))
      : i === x
        ? zarr.slice(0, Math.min(level.chunkWidth, level.width))
        : 0,
  );
  try {
    await zarr.get(level.array, selection);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof zarr.UnknownCodecError || /codec/i.test(message)) {
      throw new ApiError('SLIDE_CODEC_UNSUPPORTED', `${where}: ${message}`, 'path');
    }
    throw new ApiError('SLIDE_CORRUPT', `${where}: first chunk does not decode (${message})`, 'path');
  }
}

const V3Grid = z.object({ chunk_grid: z.object({ configuration: z.object({ chunk_shape: z.array(z.number()) }) }) });
const V2Grid = z.object({ chunks: z.array(z.number()) });

/**
 * Shape of one chunk FILE: for a sharded v3 array that is the shard (zarrita's `chunks` is then the inner chunk),
 * otherwise the chunk. Read from the array's own metadata file; undefined when it cannot be read.
 */
async function fileGridOf(arrayDir: string): Promise<number[] | undefined> {
  const json = (name: string) =>
    readFile(join(arrayDir, name), 'utf8')
      .then((t) => JSON.parse(t) as unknown)
      .catch(() => undefined);
  const v3 = V3Grid.safeParse(await json('zarr.json'));
  if (v3.success) return v3.data.chunk_grid.configuration.chunk_shape;
  const v2 = V2Grid.safeParse(await json('.zarray'));
  return v2.success ? v2.data.chunks : undefined;
}

const METADATA_FILES = new Set(['zarr.json', '.zarray', '.zattrs', '.zgroup', '.zmetadata']);

/** Chunk files under an array folder, whatever the key encoding (`0.0`, `0/0`, `c/0/0`). */
async function countChunkFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && !METADATA_FILES.has(e.name)).length;
}
