import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTileCache } from './tile-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'activeseg-tile-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

describe('createTileCache', () => {
  it('serves an immutable tile from memory once seen, without reading its file again', async () => {
    const cache = createTileCache({ memoryBytes: 1000 });
    const path = join(dir, 'a.jpeg');
    let renders = 0;
    const render = async () => {
      renders++;
      return bytes(100, 7);
    };
    expect(await cache.getOrRender(path, render, { immutable: true })).toEqual(bytes(100, 7));
    // The file on disk changes; the memory copy is what an immutable tile is served from.
    writeFileSync(path, bytes(100, 9));
    expect(await cache.getOrRender(path, render, { immutable: true })).toEqual(bytes(100, 7));
    expect(renders).toBe(1);
  });

  it('reads other tiles from disk every time, so a dropped overlay file is rendered again', async () => {
    const cache = createTileCache({ memoryBytes: 1000 });
    const path = join(dir, 'overlay.png');
    let renders = 0;
    const render = async () => bytes(10, ++renders);
    expect(await cache.getOrRender(path, render)).toEqual(bytes(10, 1));
    rmSync(path);
    expect(await cache.getOrRender(path, render)).toEqual(bytes(10, 2));
  });

  it('keeps at most memoryBytes, dropping the least recently used tile first', async () => {
    const cache = createTileCache({ memoryBytes: 250 });
    const render = (fill: number) => async () => bytes(100, fill);
    const [a, b, c] = ['a2', 'b2', 'c2'].map((n) => join(dir, `${n}.jpeg`)) as [string, string, string];
    await cache.getOrRender(a, render(1), { immutable: true });
    await cache.getOrRender(b, render(2), { immutable: true });
    await cache.getOrRender(a, render(1), { immutable: true }); // a is now the most recent
    await cache.getOrRender(c, render(3), { immutable: true }); // 300 > 250: b goes
    for (const p of [a, b, c]) writeFileSync(p, bytes(100, 0));
    expect((await cache.getOrRender(a, render(1), { immutable: true }))?.[0]).toBe(1);
    expect((await cache.getOrRender(c, render(3), { immutable: true }))?.[0]).toBe(3);
    // b was evicted: served from its (changed) file.
    expect((await cache.getOrRender(b, render(2), { immutable: true }))?.[0]).toBe(0);
  });
});
