import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors/api-error.js';
import { blockCachedSource } from './block-cached-source.js';
import type { ReadRegionRequest, SlideSource } from './slide-source.js';

/** A w × h slide (2 sections) whose pixel (x, y, z) is (7x + 3y + 11z) mod 251; counts reads, can fail one window. */
function countingSource(width: number, height: number, bad?: { x: number; y: number }) {
  const reads: ReadRegionRequest[] = [];
  const source: SlideSource = {
    width,
    height,
    tileSize: 256,
    levels: 2,
    format: 'raw',
    sections: 2,
    async readRegion(req) {
      reads.push(req);
      if (bad && req.x <= bad.x && bad.x < req.x + req.width && req.y <= bad.y && bad.y < req.y + req.height) {
        throw new ApiError('SLIDE_CORRUPT', `window ${req.x},${req.y} cannot be decoded`);
      }
      const out = new Uint8Array(req.width * req.height);
      for (let j = 0; j < req.height; j++)
        for (let i = 0; i < req.width; i++)
          out[j * req.width + i] = (7 * (req.x + i) + 3 * (req.y + j) + 11 * (req.z ?? 0)) % 251;
      return out;
    },
  };
  return { source, reads };
}

const expected = (req: { x: number; y: number; width: number; height: number; z?: number }) => {
  const out = new Uint8Array(req.width * req.height);
  for (let j = 0; j < req.height; j++)
    for (let i = 0; i < req.width; i++)
      out[j * req.width + i] = (7 * (req.x + i) + 3 * (req.y + j) + 11 * (req.z ?? 0)) % 251;
  return out;
};

describe('blockCachedSource', () => {
  it('returns exactly the pixels of any level-0 window, edge blocks and sections included', async () => {
    const { source } = countingSource(300, 200);
    const cached = blockCachedSource(source, { blockSize: 64 });
    for (const req of [
      { x: 0, y: 0, width: 300, height: 200 },
      { x: 37, y: 61, width: 130, height: 70 },
      { x: 250, y: 150, width: 50, height: 50 },
      { x: 5, y: 7, width: 1, height: 1, z: 1 },
    ]) {
      expect(await cached.readRegion({ level: 0, ...req })).toEqual(expected(req));
    }
  });

  it('decodes each block once while overlapping windows walk the grid', async () => {
    const { source, reads } = countingSource(512, 512);
    const cached = blockCachedSource(source, { blockSize: 128 });
    // A 4 × 4 grid of 128² cells, each read with 16 px of context: 16 windows over 16 blocks.
    for (let row = 0; row < 4; row++)
      for (let col = 0; col < 4; col++) {
        const x = Math.max(0, col * 128 - 16);
        const y = Math.max(0, row * 128 - 16);
        const req = { x, y, width: Math.min(512, col * 128 + 144) - x, height: Math.min(512, row * 128 + 144) - y };
        expect(await cached.readRegion({ level: 0, ...req })).toEqual(expected(req));
      }
    expect(reads).toHaveLength(16);
  });

  it('stays within its byte budget, reading a dropped block again when needed', async () => {
    const { source, reads } = countingSource(256, 64);
    const cached = blockCachedSource(source, { blockSize: 64, budgetBytes: 2 * 64 * 64 });
    for (const x of [0, 64, 128, 0]) await cached.readRegion({ level: 0, x, y: 0, width: 64, height: 64 });
    expect(reads.map((r) => r.x)).toEqual([0, 64, 128, 0]);
  });

  it('fails the windows that need a block that does not decode, and only those', async () => {
    const { source } = countingSource(256, 128, { x: 200, y: 10 });
    const cached = blockCachedSource(source, { blockSize: 64 });
    await expect(cached.readRegion({ level: 0, x: 150, y: 0, width: 100, height: 50 })).rejects.toMatchObject({
      code: 'SLIDE_CORRUPT',
    });
    const req = { x: 100, y: 0, width: 92, height: 64 };
    expect(await cached.readRegion({ level: 0, ...req })).toEqual(expected(req));
  });

  it('wrapping a cached source again with the same blocks shares its cache; other block sizes get their own', async () => {
    const { source, reads } = countingSource(256, 256);
    const cached = blockCachedSource(source, { blockSize: 64 });
    expect(blockCachedSource(cached, { blockSize: 64 })).toBe(cached);
    await cached.readRegion({ level: 0, x: 0, y: 0, width: 64, height: 64 });
    await blockCachedSource(cached, { blockSize: 64 }).readRegion({ level: 0, x: 0, y: 0, width: 64, height: 64 });
    expect(reads).toHaveLength(1);
    expect(blockCachedSource(cached, { blockSize: 128 })).not.toBe(cached);
  });

  it('passes reads at other levels through', async () => {
    const { source, reads } = countingSource(256, 256);
    const cached = blockCachedSource(source, { blockSize: 64 });
    await cached.readRegion({ level: 1, x: 0, y: 0, width: 10, height: 10 });
    expect(reads).toEqual([{ level: 1, x: 0, y: 0, width: 10, height: 10 }]);
  });
});
