/**
 * OME-Zarr check: writes a large 2D OME-Zarr (NGFF v0.5, Zarr v3, 512² blosc/zstd chunks, a 4-level pyramid, SEM
 * texture from demo/axondeepseg-sem repeated) in a child process, then serves it with the real daemon (no engine),
 * adds it by path with POST /api/slides and browses it: random tiles at random levels (each rendered once, so every
 * timing is a real chunk read + encode, not a cache hit), and 512² scoring windows at level 0 read through the
 * SlideSource. Reports ingest time, tile and window p50/p99, and the daemon process's peak RSS (the writer's memory is
 * in the child, not counted).
 *
 * With --export, it then writes the slide as an NGFF export (POST /api/slides/:id/export/ngff) and reports its time.
 *
 *   npx tsx scripts/ome-zarr-measure.ts [--size 20000] [--tiles 200] [--windows 50] [--export] [--keep] [--dir /tmp/x]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NgffExportResult, SlideInfo } from '@activeseg/protocol';
import sharp from 'sharp';
import { startServer } from '../daemon/src/server.js';
import { openOmeZarrSource } from '../daemon/src/slides/ome-zarr-source.js';
import { DEMO_IMAGE } from '../daemon/src/testing/temp-project.js';
import { writeOmeZarr } from '../daemon/src/testing/write-ome-zarr.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '20000' },
    tiles: { type: 'string', default: '200' },
    windows: { type: 'string', default: '50' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'write-only': { type: 'boolean', default: false },
    export: { type: 'boolean', default: false },
  },
});
const size = Number(values.size);
if (!Number.isInteger(size) || size < 512) throw new Error(`--size must be an integer ≥ 512, got ${values.size}`);
const log = (m: string) => console.log(`[ome-zarr] ${m}`);
const rssMb = () => process.resourceUsage().maxRSS / 1024;
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'activeseg-omezarr-'));
const storePath = join(dir, `synthetic-${size}.ome.zarr`);

if (values['write-only']) {
  const { data, info } = await sharp(DEMO_IMAGE).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  await writeOmeZarr(storePath, {
    version: '0.5',
    width: size,
    height: size,
    levels: 4,
    chunk: 512,
    band: (y0, rows) => {
      const out = new Uint8Array(rows * size);
      for (let r = 0; r < rows; r++) {
        const src = ((y0 + r) % info.height) * info.width;
        for (let x = 0; x < size; x += info.width) {
          out.set(data.subarray(src, src + Math.min(info.width, size - x)), r * size + x);
        }
      }
      return out;
    },
  });
  process.exit(0);
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

if (!existsSync(storePath)) {
  const t0 = performance.now();
  execFileSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--write-only', '--size', String(size), '--dir', dir],
    { stdio: 'inherit' },
  );
  log(`wrote ${size}² store in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${storePath}`);
}
const rssBefore = rssMb();
const server = await startServer({ projectDir: join(dir, 'project'), port: 0, host: '127.0.0.1', log: () => {} });
const auth = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
try {
  let t0 = performance.now();
  const res = await fetch(`${server.origin}/api/slides`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ path: storePath }),
  });
  if (res.status !== 201) throw new Error(`add slide: ${res.status} ${await res.text()}`);
  const slide = SlideInfo.parse(await res.json());
  log(
    `ingested in ${((performance.now() - t0) / 1000).toFixed(2)} s (${slide.levels} DZI levels, pixel size ${JSON.stringify(slide.pixelSize)})`,
  );

  let seed = 12345;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) >>> 0;
    return seed / 0x1_0000_0000;
  };
  const maxLevel = slide.levels - 1;
  const seen = new Set<string>();
  const times: number[] = [];
  const byDepth = new Map<number, number[]>();
  while (times.length < Number(values.tiles)) {
    // Mostly the detailed levels a viewer spends its time in, some overview levels.
    const depth = Math.floor(rand() ** 2 * Math.min(10, maxLevel + 1));
    const n = Math.ceil(size / 2 ** depth / slide.tileSize);
    const col = Math.floor(rand() * n);
    const row = Math.floor(rand() * n);
    const key = `${depth}/${col}_${row}`;
    if (seen.has(key)) continue;
    seen.add(key);
    t0 = performance.now();
    const tile = await fetch(
      `${server.origin}/api/slides/${slide.id}/tiles/image/${maxLevel - depth}/${col}_${row}.jpeg`,
      {
        headers: auth,
      },
    );
    if (tile.status !== 200) throw new Error(`tile ${key}: ${tile.status}`);
    await tile.arrayBuffer();
    const ms = performance.now() - t0;
    times.push(ms);
    byDepth.set(depth, [...(byDepth.get(depth) ?? []), ms]);
  }
  log(
    `${times.length} distinct tiles: p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`,
  );
  for (const [depth, ts] of [...byDepth].sort((a, b) => a[0] - b[0])) {
    log(`  downsample 2^${depth}: ${ts.length} tiles, p50 ${percentile(ts, 50).toFixed(1)} ms`);
  }

  const source = await openOmeZarrSource(storePath);
  const windows: number[] = [];
  for (let i = 0; i < Number(values.windows); i++) {
    const x = Math.floor(rand() * (size / 512)) * 512;
    const y = Math.floor(rand() * (size / 512)) * 512;
    t0 = performance.now();
    await source.readRegion({ level: 0, x, y, width: Math.min(512, size - x), height: Math.min(512, size - y) });
    windows.push(performance.now() - t0);
  }
  log(
    `${windows.length} scoring windows (512², level 0): p50 ${percentile(windows, 50).toFixed(1)} ms, p99 ${percentile(windows, 99).toFixed(1)} ms`,
  );
  log(`peak RSS ${rssMb().toFixed(0)} MB (before the daemon started: ${rssBefore.toFixed(0)} MB)`);

  if (values.export) {
    t0 = performance.now();
    const out = join(dir, 'export.ome.zarr');
    rmSync(out, { recursive: true, force: true });
    const exported = await fetch(`${server.origin}/api/slides/${slide.id}/export/ngff`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ path: out }),
    });
    if (exported.status !== 201) throw new Error(`export: ${exported.status} ${await exported.text()}`);
    const result = NgffExportResult.parse(await exported.json());
    log(
      `NGFF export (image + 2 label images + uncertainty, ${result.levels} levels) in ${((performance.now() - t0) / 1000).toFixed(1)} s, peak RSS ${rssMb().toFixed(0)} MB`,
    );
  }
} finally {
  await server.close();
  if (!values.keep && !values.dir) rmSync(dir, { recursive: true, force: true });
}
