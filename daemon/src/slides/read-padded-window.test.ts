import { describe, expect, it } from 'vitest';
import { readPaddedWindow } from './read-padded-window.js';
import type { ReadRegionRequest, SlideSource } from './slide-source.js';

/** A 5 × 4 slide whose pixel (x, y) is 10·y + x, recording every read. */
function smallSlide() {
  const reads: ReadRegionRequest[] = [];
  const source: SlideSource = {
    width: 5,
    height: 4,
    tileSize: 256,
    levels: 1,
    format: 'raw',
    async readRegion(req) {
      reads.push(req);
      const out = new Uint8Array(req.width * req.height);
      for (let j = 0; j < req.height; j++)
        for (let i = 0; i < req.width; i++) out[j * req.width + i] = 10 * (req.y + j) + req.x + i;
      return out;
    },
  };
  return { source, reads };
}

const rows = (bytes: Uint8Array, size: number) =>
  Array.from({ length: size }, (_, j) => [...bytes.subarray(j * size, (j + 1) * size)]);

describe('readPaddedWindow', () => {
  it('mirrors past every edge without repeating the edge pixel, as numpy reflect does', async () => {
    const { source } = smallSlide();
    const window = await readPaddedWindow(source, { x: -2, y: -1, size: 8 });
    // Columns −2…5 map to 2 1 0 1 2 3 4 3; rows −1…6 to 1 0 1 2 3 2 1 0.
    expect(rows(window, 8)).toEqual(
      [1, 0, 1, 2, 3, 2, 1, 0].map((y) => [2, 1, 0, 1, 2, 3, 4, 3].map((x) => 10 * y + x)),
    );
  });

  it('reads only the part of the slide the window uses, and a window inside the slide as one plain read', async () => {
    const { source, reads } = smallSlide();
    await readPaddedWindow(source, { x: 3, y: 2, size: 3 });
    // Columns 3 4 5 → 3 4 3 and rows 2 3 4 → 2 3 2: the 2 × 2 block at (3, 2) holds them all.
    expect(reads.at(-1)).toMatchObject({ level: 0, x: 3, y: 2, width: 2, height: 2 });
    const inside = await readPaddedWindow(source, { x: 1, y: 1, size: 3 });
    expect(reads.at(-1)).toMatchObject({ x: 1, y: 1, width: 3, height: 3 });
    expect(rows(inside, 3)).toEqual([
      [11, 12, 13],
      [21, 22, 23],
      [31, 32, 33],
    ]);
  });
});
