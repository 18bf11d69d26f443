import { readFile } from 'node:fs/promises';
import { atomicWrite } from '../store/atomic-write.js';

export interface TileCache {
  /** Returns the cached bytes at `path`, or renders, stores and returns them. Concurrent misses render once. */
  getOrRender(path: string, render: () => Promise<Uint8Array | undefined>): Promise<Uint8Array | undefined>;
}

/**
 * Disk cache of rendered tiles, built lazily. Writes are atomic (a crashed render never leaves a torn tile)
 * but not fsynced: a lost tile is simply rendered again.
 */
export function createTileCache(): TileCache {
  const inFlight = new Map<string, Promise<Uint8Array | undefined>>();
  return {
    async getOrRender(path, render) {
      const cached = await readFile(path).catch(() => undefined);
      if (cached) return new Uint8Array(cached.buffer, cached.byteOffset, cached.length);
      const pending = inFlight.get(path);
      if (pending) return pending;
      const job = (async () => {
        const bytes = await render();
        if (bytes) await atomicWrite(path, bytes, { durable: false });
        return bytes;
      })().finally(() => inFlight.delete(path));
      inFlight.set(path, job);
      return job;
    },
  };
}
