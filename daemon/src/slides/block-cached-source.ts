import { createByteLru } from './byte-lru.js';
import type { ReadRegionRequest, SlideSource } from './slide-source.js';

export interface BlockCacheOptions {
  /** Edge of the cached blocks, aligned to (0, 0): a scoring job's cell size, so one block is one cell. */
  blockSize: number;
  /** Decoded bytes kept, least recently used out first (default 64 MiB: 256 blocks of 512²). */
  budgetBytes?: number;
}

const DEFAULT_BUDGET = 64 * 2 ** 20;

/** The block size of each source this module made. */
const blockSizes = new WeakMap<SlideSource, number>();

/**
 * A slide source whose level-0 reads are assembled from decoded `blockSize`² blocks kept in memory. A scoring job
 * reads each cell with a margin of context, so a window overlaps its 8 neighbours and, read straight from the file,
 * every pixel was decoded up to 9 times (≈ 15 ms of a cell's 60 on the 2-core machine); through the blocks each is
 * decoded once while the job walks the grid row by row. Reads at other levels pass through. A block that does not
 * decode fails every window that needs it, as the file read would; the block of a cell is the cell, so a damaged
 * neighbour never costs a cell its own pixels (the job then scores it without context).
 */
export function blockCachedSource(source: SlideSource, options: BlockCacheOptions): SlideSource {
  const size = options.blockSize;
  if (!(Number.isInteger(size) && size > 0)) throw new RangeError(`blockSize must be a positive integer, got ${size}`);
  // Already cached in these blocks (a job's second phase, handed its first phase's source): share that cache.
  if (blockSizes.get(source) === size) return source;
  const budget = options.budgetBytes ?? DEFAULT_BUDGET;
  const blocks = createByteLru<Promise<Uint8Array>>(budget);

  /** Level-0 rectangle of block (bx, by): `size`², clipped at the slide's right and bottom edges. */
  const blockRect = (bx: number, by: number) => {
    const x = bx * size;
    const y = by * size;
    return { x, y, width: Math.min(size, source.width - x), height: Math.min(size, source.height - y) };
  };

  const block = (bx: number, by: number, z: number): Promise<Uint8Array> => {
    const key = `${z}/${bx}/${by}`;
    const hit = blocks.get(key);
    if (hit) return hit;
    const rect = blockRect(bx, by);
    // No signal: a block outlives the read that asked for it (the next cell needs it too).
    const bytes = source.readRegion({ level: 0, ...rect, ...(z ? { z } : {}) });
    blocks.set(key, bytes, rect.width * rect.height);
    // Not unhandled when nobody awaits it any more; the window that needs it still sees the rejection.
    bytes.catch(() => {});
    return bytes;
  };

  const cached: SlideSource = {
    width: source.width,
    height: source.height,
    tileSize: source.tileSize,
    levels: source.levels,
    format: source.format,
    ...(source.sections === undefined ? {} : { sections: source.sections }),
    async readRegion(req: ReadRegionRequest): Promise<Uint8Array> {
      if (req.level !== 0) return source.readRegion(req);
      req.signal?.throwIfAborted();
      const { x, y, width, height, z = 0 } = req;
      if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > source.width || y + height > source.height) {
        // Out of bounds: the source's own check words the error.
        return source.readRegion(req);
      }
      const out = new Uint8Array(width * height);
      const bx0 = Math.floor(x / size);
      const by0 = Math.floor(y / size);
      const bx1 = Math.floor((x + width - 1) / size);
      const by1 = Math.floor((y + height - 1) / size);
      const needed: Promise<void>[] = [];
      for (let by = by0; by <= by1; by++) {
        for (let bx = bx0; bx <= bx1; bx++) {
          needed.push(
            block(bx, by, z).then((bytes) => {
              const b = blockRect(bx, by);
              const left = Math.max(x, b.x);
              const right = Math.min(x + width, b.x + b.width);
              const top = Math.max(y, b.y);
              const bottom = Math.min(y + height, b.y + b.height);
              for (let row = top; row < bottom; row++) {
                const from = (row - b.y) * b.width + (left - b.x);
                out.set(bytes.subarray(from, from + (right - left)), (row - y) * width + (left - x));
              }
            }),
          );
        }
      }
      await Promise.all(needed);
      req.signal?.throwIfAborted();
      return out;
    },
  };
  blockSizes.set(cached, size);
  return cached;
}
