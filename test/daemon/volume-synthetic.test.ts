import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlideInfo } from '@activeseg/protocol';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IMAGE } from '../../daemon/src/testing/temp-project.js';
import { writeTiledVolumeZarr } from '../../daemon/src/testing/write-tiled-volume-zarr.js';

/**
 * A synthetic OME-Zarr volume of 20 000 × 20 000 × 8 sections (3.2 GB of pixels, 512² zlib chunks, real SEM texture
 * tiled; generated here, hard-linked chunks keep it to seconds and megabytes) served by a daemon in its own process,
 * so its peak RSS (VmHWM) is the daemon's alone. Browsing steps through every section the way `,` / `.` do: the same
 * viewport on each section at full resolution and zoomed out, every tile rendered once (no cache hits).
 */
const SIZE = 20_000;
const SECTIONS = 8;
const MAX_PEAK_RSS_MB = 600;
const ROOT = new URL('../../', import.meta.url).pathname;
const ENTRY = join(ROOT, 'test/daemon/fixtures/serve.ts');
const TOKEN = 'volume-synthetic-token';

let dir: string;
let child: ChildProcess;
let origin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-volume-synthetic-'));
  const { data, info } = await sharp(DEMO_IMAGE).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  const t0 = performance.now();
  const written = await writeTiledVolumeZarr(join(dir, 'volume.ome.zarr'), {
    size: SIZE,
    sections: SECTIONS,
    texture: { data: new Uint8Array(data), width: info.width, height: info.height },
  });
  console.log(
    `[volume] wrote ${SIZE}² × ${SECTIONS}: ${written.levels} levels, ${written.chunkFiles} chunk files (${written.distinctChunks} distinct) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  child = spawn(process.execPath, ['--import', 'tsx', ENTRY, join(dir, 'project')], {
    cwd: ROOT,
    env: { ...process.env, ACTIVESEG_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve((JSON.parse(line) as { origin: string }).origin);
    });
    child.once('exit', (code) => reject(new Error(`daemon exited with ${code}`)));
  });
}, 300_000);
afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
/** The daemon process's peak and current resident set, from the kernel (VmHWM / VmRSS). */
const memoryMb = () => {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

describe(`a ${SIZE}² × ${SECTIONS} OME-Zarr volume`, () => {
  it('is added in place and browsed section by section with bounded memory', async () => {
    const before = memoryMb();
    const t0 = performance.now();
    const added = await fetch(`${origin}/api/slides`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ path: join(dir, 'volume.ome.zarr') }),
    });
    const ingestMs = performance.now() - t0;
    expect(added.status).toBe(201);
    const slide = SlideInfo.parse(await added.json());
    expect(slide).toMatchObject({ width: SIZE, height: SIZE, sections: SECTIONS, format: 'ome-zarr' });
    expect(slide.pixelSize).toEqual({ x: 0.01, y: 0.01, unit: 'µm' });
    const maxLevel = slide.levels - 1;

    // One viewport of 4 × 3 tiles, at full resolution and 4× and 16× zoomed out, on every section in turn.
    const views = [
      { level: maxLevel, col: 41, row: 27 },
      { level: maxLevel - 2, col: 9, row: 6 },
      { level: maxLevel - 4, col: 0, row: 0 },
    ];
    const ms: number[] = [];
    for (let z = 0; z < SECTIONS; z++) {
      for (const v of views) {
        for (let dy = 0; dy < 3; dy++) {
          for (let dx = 0; dx < 4; dx++) {
            const t = performance.now();
            const res = await fetch(
              `${origin}/api/slides/${slide.id}/tiles/image/${v.level}/${v.col + dx}_${v.row + dy}.jpeg?z=${z}`,
              { headers: auth },
            );
            const body = await res.arrayBuffer();
            ms.push(performance.now() - t);
            expect(res.status, `tile ${v.level}/${v.col + dx}_${v.row + dy} z ${z}`).toBe(200);
            expect(body.byteLength).toBeGreaterThan(100);
          }
        }
      }
    }
    // Sections differ: the same tile on two sections is two different images.
    const tileAt = async (z: number) =>
      Buffer.from(
        await (
          await fetch(`${origin}/api/slides/${slide.id}/tiles/image/${maxLevel}/41_27.jpeg?z=${z}`, { headers: auth })
        ).arrayBuffer(),
      );
    expect((await tileAt(0)).equals(await tileAt(SECTIONS - 1))).toBe(false);

    const mem = memoryMb();
    const p50 = percentile(ms, 50);
    const p99 = percentile(ms, 99);
    console.log(
      `[volume] added in ${ingestMs.toFixed(0)} ms; ${ms.length} distinct tiles over ${SECTIONS} sections: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms; daemon peak RSS ${mem.peak.toFixed(0)} MB (${before.now.toFixed(0)} MB before adding the volume)`,
    );
    expect(mem.peak).toBeLessThan(MAX_PEAK_RSS_MB);
    // Generous for a shared 2-core machine under load; a whole-section decode would take seconds per tile.
    expect(p50).toBeLessThan(500);
    expect(p99).toBeLessThan(5000);
  }, 300_000);
});
