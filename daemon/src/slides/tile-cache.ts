import { readFile } from 'node:fs/promises';
import { atomicWrite } from '../store/atomic-write.js';

export interface TileCache {
  /** Returns the cached bytes at `path`, or renders, stores and returns them. Concurrent misses render once. */
  getOrRender(path: string, render: () => Promise<Uint8Array | undefined>): Promise<Uint8Array | undefined>;
}

export interface CreateTileCacheOptions {
  /** Told once when cache writes start failing (disk full, read-only project). */
  log?: (message: string, err?: unknown) => void;
}

/**
 * Disk cache of rendered tiles, built lazily. Writes are atomic (a crashed render never leaves a torn tile)
 * but not fsynced: a lost tile is simply rendered again.
 */
export function createTileCache(options: CreateTileCacheOptions = {}): TileCache {
  const inFlight = new Map<string, Promise<Uint8Array | undefined>>();
  let warned = false;
  return {
    async getOrRender(path, render) {
      const cached = await readFile(path).catch(() => undefined);
      if (cached) return new Uint8Array(cached.buffer, cached.byteOffset, cached.length);
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
        return bytes;
      })().finally(() => inFlight.delete(path));
      inFlight.set(path, job);
      return job;
    },
  };
}
