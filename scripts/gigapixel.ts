/**
 * Gigapixel check: writes a large tiled pyramidal BigTIFF with libvips (never in memory), serves it with the real
 * daemon (no engine), adds it with POST /api/slides, then browses it (DZI, random tiles at random levels, a pan
 * across the full-resolution level) and reports timings, file size and peak RSS.
 *
 *   npx tsx scripts/gigapixel.ts [--size 100000] [--tiles 200] [--keep] [--dir /tmp/x]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SlideInfo } from '@activeseg/protocol';
import { startServer } from '../daemon/src/server.js';
import { writeSyntheticSlide } from '../daemon/src/testing/write-synthetic-slide.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '100000' },
    tiles: { type: 'string', default: '200' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    compression: { type: 'string' },
  },
});
const size = Number(values.size);
const tileCount = Number(values.tiles);
if (!Number.isInteger(size) || size < 256) throw new Error(`--size must be an integer ≥ 256, got ${values.size}`);

const rssMb = () => process.resourceUsage().maxRSS / 1024;
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'activeseg-gigapixel-'));
const slidePath = join(dir, `synthetic-${size}.tif`);
const log = (m: string) => console.log(`[gigapixel] ${m}`);

let t0 = performance.now();
const compression = values.compression as 'jpeg' | 'deflate' | 'lzw' | 'none' | undefined;
const written = await writeSyntheticSlide(slidePath, {
  width: size,
  height: size,
  ...(compression ? { compression } : {}),
});
const generateS = (performance.now() - t0) / 1000;
log(
  `generated ${size}×${size} (${written.compression}) in ${generateS.toFixed(1)} s, ${(written.bytes / 1024 ** 3).toFixed(2)} GiB, peak RSS ${rssMb().toFixed(0)} MB`,
);
const rssAfterGenerate = rssMb();

const server = await startServer({ projectDir: join(dir, 'project'), port: 0, host: '127.0.0.1', log: () => {} });
const auth = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
try {
  t0 = performance.now();
  const res = await fetch(`${server.origin}/api/slides`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ path: slidePath }),
  });
  if (res.status !== 201) throw new Error(`add slide: ${res.status} ${await res.text()}`);
  const slide = SlideInfo.parse(await res.json());
  const ingestS = (performance.now() - t0) / 1000;
  log(`ingested in ${ingestS.toFixed(2)} s (${slide.levels} DZI levels), peak RSS ${rssMb().toFixed(0)} MB`);

  const dzi = await fetch(`${server.origin}/api/slides/${slide.id}/image.dzi`, { headers: auth });
  if (!dzi.ok || !(await dzi.text()).includes(`Width="${size}"`)) throw new Error('bad DZI descriptor');

  const maxLevel = slide.levels - 1;
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) >>> 0;
    return seed / 0x1_0000_0000;
  };
  const tiles: { level: number; col: number; row: number }[] = [];
  for (let i = 0; i < tileCount; i++) {
    // Mostly the detailed levels a viewer spends its time in, some overview levels.
    const level = Math.max(0, maxLevel - Math.floor(rand() ** 2 * Math.min(10, maxLevel + 1)));
    const n = Math.ceil(size / 2 ** (maxLevel - level) / slide.tileSize);
    tiles.push({ level, col: Math.floor(rand() * n), row: Math.floor(rand() * n) });
  }
  // A pan: one row of full-resolution tiles across the top of the slide, at the screen width of a viewer (8 tiles).
  const pan: typeof tiles = [];
  for (
    let col = 0;
    col < Math.ceil(size / slide.tileSize);
    col += Math.max(1, Math.floor(size / slide.tileSize / 64))
  ) {
    pan.push({ level: maxLevel, col, row: 0 });
  }

  const fetchTiles = async (list: typeof tiles) => {
    const ms: number[] = [];
    for (const t of list) {
      const s = performance.now();
      const r = await fetch(`${server.origin}/api/slides/${slide.id}/tiles/image/${t.level}/${t.col}_${t.row}.jpeg`, {
        headers: auth,
      });
      const body = await r.arrayBuffer();
      if (r.status !== 200 || body.byteLength === 0) throw new Error(`tile ${JSON.stringify(t)}: ${r.status}`);
      ms.push(performance.now() - s);
    }
    ms.sort((a, b) => a - b);
    const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!;
    const r1 = (v: number) => Math.round(v * 10) / 10;
    return { n: ms.length, p50Ms: r1(q(0.5)), p99Ms: r1(q(0.99)), maxMs: r1(ms.at(-1)!) };
  };
  const random = await fetchTiles(tiles);
  log(`random tiles: n=${random.n} p50 ${random.p50Ms} ms, p99 ${random.p99Ms} ms, max ${random.maxMs} ms`);
  const panned = await fetchTiles(pan);
  log(`pan (top row): n=${panned.n} p50 ${panned.p50Ms} ms, p99 ${panned.p99Ms} ms`);
  const report = {
    size,
    compression: written.compression,
    fileBytes: written.bytes,
    generateS: Number(generateS.toFixed(1)),
    ingestS: Number(ingestS.toFixed(2)),
    randomTiles: random,
    panTiles: panned,
    peakRssMbAfterGenerate: Math.round(rssAfterGenerate),
    peakRssMb: Math.round(rssMb()),
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await server.close();
  if (!values.keep && !values.dir) rmSync(dir, { recursive: true, force: true });
}
