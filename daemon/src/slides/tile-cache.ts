import { readFile } from 'node:fs/promises';
import { atomicWrite } from '../store/atomic-write.js';
import { createByteLru } from './byte-lru.js';

export interface TileCache {
  /**
   * Returns the cached bytes at `path`, or renders, stores and returns them. Concurrent misses render once. An
   * `immutable` tile (a slide's own pixels, which never change under its path) is also kept in memory.
   */
  getOrRender(
    path: string,
    render: () => Promise<Uint8Array | undefined>,
    options?: { immutable?: boolean },
  ): Promise<Uint8Array | undefined>;
}

export interface CreateTileCacheOptions {
  /** Told once when cache writes start failing (disk full, read-only project). */
  log?: (message: string, err?: unknown) => void;
  /** Bytes of immutable tiles kept in memory, least recently used out first (default 64 MiB; 0: none). */
  memoryBytes?: number;
}

const DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024;

/**
 * Disk cache of rendered tiles, built lazily. Writes are atomic (a crashed render never leaves a torn tile)
 * but not fsynced: a lost tile is simply rendered again.
 *
 * Image tiles viewers keep asking for are also held in memory: a disk hit costs several trips through libuv's 4
 * threads, which a whole-slide job's slide reads and map writes keep busy, and that queueing, not the CPU, was the
 * tail of tile latency while scoring (docs/performance.md). Overlay tiles stay disk-only: a job drops their files
 * as it rescores, and a memory copy would outlive that.
 */
export function createTileCache(options: CreateTileCacheOptions = {}): TileCache {
  const inFlight = new Map<string, Promise<Uint8Array | undefined>>();
  const budget = options.memoryBytes ?? DEFAULT_MEMORY_BYTES;
  const memory = createByteLru<Uint8Array>(budget);
  const remember = (path: string, bytes: Uint8Array) => memory.set(path, bytes, bytes.length);
  let warned = false;
  return {
    async getOrRender(path, render, tileOptions) {
      const immutable = tileOptions?.immutable === true && budget > 0;
      if (immutable) {
        const held = memory.get(path);
        if (held) return held;
      }
      const cached = await readFile(path).catch(() => undefined);
      if (cached) {
        const bytes = new Uint8Array(cached.buffer, cached.byteOffset, cached.length);
        if (immutable) remember(path, bytes);
        return bytes;
      }
      const pending = inFlight.get(path);
      if (pending) return pending;
      const job = (async () => {
        const bytes = await render();
        // The cache is an optimisation: a full or read-only disk must not turn a rendered tile into an error.
        if (bytes) {
          await atomicWrite(path, bytes, { durable: false }).catch((err: unknown) => {
            if (!warned) options.log?.(`tile cache write failed (tiles are served uncached): ${path}`, err);
            warned = true;
          });
        }
        if (bytes && immutable) remember(path, bytes);
        return bytes;
      })().finally(() => inFlight.delete(path));
      inFlight.set(path, job);
      return job;
    },
  };
}
