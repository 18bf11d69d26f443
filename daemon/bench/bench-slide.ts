/**
 * Whole-slide Monte-Carlo scoring throughput: every 512² patch of (a) the demo slide and (b) a generated 8192² tiled
 * TIFF with EM-like texture and a blank margin, scored with onnxruntime-node while the next patch is read with sharp.
 *
 *   npx tsx daemon/bench/bench-slide.ts            # tiny-preset model on both slides (+ prefetch off on the demo),
 *                                                  # and the paper model on the first 4 patches of the demo slide
 *   npx tsx daemon/bench/bench-slide.ts --quick    # tiny-preset model only
 *
 * Weights are random (with trained-looking BatchNorm statistics): throughput does not depend on their values. The
 * tiny preset runs as the daemon runs it: 512² slide patch → box-downscaled ×0.5 → 256² fully convolutional copy of
 * the 3-level base-8 net, 20 passes. Each configuration runs in its own process so its peak RSS is its own.
 * Writes runs/bench/bench-slide.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const benchDir = path.join(repoRoot, 'runs/bench');
const DEMO_SLIDE = path.join(repoRoot, 'demo/axondeepseg-sem/images/sub-rat8_sample-V915.png');
const BIG_SLIDE = path.join(benchDir, 'synthetic-8192.tif');
const RESULT_PREFIX = 'SLIDE_RESULT ';

interface SlideCase {
  label: string;
  slide: string;
  model: 'tiny' | 'paper';
  passes: number;
  prefetch: boolean;
  limit?: number;
}

const MODELS = {
  // The tiny training preset as the daemon scores with it: 512² patches at scale 0.5.
  tiny: { baseFilters: 8, levels: 3, scale: 0.5 },
  paper: { baseFilters: 32, levels: 5, scale: 1 },
} as const;

/** Axon-like rings (dark myelin around a light axon) on a grey matrix, inside an elliptic tissue region; blank glass outside. */
async function generateSlide(file: string, size: number): Promise<void> {
  const sharp = (await import('sharp')).default;
  let state = 0x9e3779b9;
  const rand = () => {
    // xorshift32: 67 M noise values, so the fastest decent generator.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const img = new Uint8Array(size * size);
  const cx = size / 2;
  const cy = size / 2;
  const rx = size * 0.42;
  const ry = size * 0.36;
  const inTissue = (x: number, y: number) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const noise = (rand() + rand() - 1) * 6;
      img[y * size + x] = inTissue(x, y) ? 140 + noise * 3 : 225 + noise * 0.4;
    }
  }
  const axons = Math.round((Math.PI * rx * ry) / 1800);
  for (let a = 0; a < axons; a++) {
    const r = 8 + rand() * 30;
    const ax = cx + (rand() * 2 - 1) * rx;
    const ay = cy + (rand() * 2 - 1) * ry;
    if (!inTissue(ax, ay)) continue;
    const outer = r * 1.35;
    for (let y = Math.max(0, Math.floor(ay - outer)); y < Math.min(size, Math.ceil(ay + outer)); y++) {
      for (let x = Math.max(0, Math.floor(ax - outer)); x < Math.min(size, Math.ceil(ax + outer)); x++) {
        const d = Math.hypot(x - ax, y - ay);
        if (d < r) img[y * size + x] = 185 + rand() * 20;
        else if (d < outer) img[y * size + x] = 35 + rand() * 25;
      }
    }
  }
  await sharp(img, { raw: { width: size, height: size, channels: 1 }, limitInputPixels: false })
    .tiff({ tile: true, tileWidth: 512, tileHeight: 512, compression: 'deflate' })
    .toFile(file);
}

interface CaseResult {
  label: string;
  slide: string;
  width: number;
  height: number;
  model: string;
  passes: number;
  prefetch: boolean;
  total: number;
  scored: number;
  blank: number;
  wallS: number;
  patchesPerSecond: number;
  scoredPerSecond: number;
  msPerScoredPatch: number;
  readMs: number;
  readWaitMs: number;
  scoreMs: number;
  peakRssMb: number;
  coresBusy: number;
  meanScore: number;
}

async function runCase(c: SlideCase): Promise<CaseResult> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const { createUnet } = await import('../src/model/unet.js');
  const { parseUnetConfig } = await import('../src/model/unet-config.js');
  const { randomizeNormalization } = await import('../src/onnx/randomize-normalization.js');
  const { exportOnnx } = await import('../src/onnx/export-onnx.js');
  const { createOnnxMcSession } = await import('../src/onnx/onnx-mc-session.js');
  const { createOnnxPatchScorer, openSharpSlide, scoreSlide } = await import('./slide-throughput.js');
  const m = MODELS[c.model];
  const inner = 512 * m.scale;
  const model = createUnet(
    parseUnetConfig({ inputSize: inner, baseFilters: m.baseFilters, levels: m.levels, dropoutRate: 0.2, initSeed: 1 }),
  );
  randomizeNormalization(model);
  const engine = await createOnnxMcSession({ model: exportOnnx(model, { mcDropout: true }) });
  model.dispose();
  const reader = await openSharpSlide(c.slide);
  const scorer = createOnnxPatchScorer({
    engine,
    scale: m.scale,
    normalization: { mean: 140, std: 50 },
    passes: c.passes,
    batchSize: 10,
  });
  // Warm-up outside the timing: the first session run allocates the arena.
  await scorer.score(new Float32Array(512 * 512).fill(128), 512, { width: 512, height: 512 });
  const cpu0 = process.cpuUsage();
  const r = await scoreSlide({
    reader,
    scorer,
    prefetch: c.prefetch,
    ...(c.limit === undefined ? {} : { limit: c.limit }),
  });
  const cpu = process.cpuUsage(cpu0);
  await engine.dispose();
  const scores = r.patches.flatMap((p) => (p.score === undefined ? [] : [p.score]));
  return {
    label: c.label,
    slide: path.relative(repoRoot, c.slide),
    width: reader.width,
    height: reader.height,
    model: `${c.model} (base ${m.baseFilters}, ${m.levels} levels, ${inner}² input, scale ${m.scale})`,
    passes: c.passes,
    prefetch: c.prefetch,
    total: r.total,
    scored: r.scored,
    blank: r.blank,
    wallS: r.wallMs / 1000,
    patchesPerSecond: r.patchesPerSecond,
    scoredPerSecond: r.scoredPerSecond,
    msPerScoredPatch: r.scoreMs / Math.max(1, r.scored),
    readMs: r.readMs,
    readWaitMs: r.readWaitMs,
    scoreMs: r.scoreMs,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    coresBusy: (cpu.user + cpu.system) / 1000 / r.wallMs,
    meanScore: scores.reduce((s, v) => s + v, 0) / Math.max(1, scores.length),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      worker: { type: 'string' },
      generate: { type: 'boolean', default: false },
    },
  });
  if (values.worker !== undefined) {
    const result = await runCase(JSON.parse(values.worker) as SlideCase);
    console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
    process.exit(0);
  }
  if (values.generate) {
    await generateSlide(BIG_SLIDE, 8192);
    return;
  }
  mkdirSync(benchDir, { recursive: true });
  const self = fileURLToPath(import.meta.url);
  if (!existsSync(BIG_SLIDE)) {
    const t0 = performance.now();
    // Own process: the 64 MB raster and libvips' encode buffers must not count in the scoring runs' peak RSS.
    const g = spawnSync(process.execPath, [...process.execArgv, self, '--generate'], { stdio: 'inherit' });
    if (g.status !== 0) throw new Error(`generating ${BIG_SLIDE} failed`);
    console.log(`generated ${path.relative(repoRoot, BIG_SLIDE)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const cases: SlideCase[] = [
    { label: 'demo, tiny, prefetch', slide: DEMO_SLIDE, model: 'tiny', passes: 20, prefetch: true },
    { label: 'demo, tiny, no prefetch', slide: DEMO_SLIDE, model: 'tiny', passes: 20, prefetch: false },
    { label: '8192² synthetic, tiny, prefetch', slide: BIG_SLIDE, model: 'tiny', passes: 20, prefetch: true },
    ...(values.quick
      ? []
      : [
          {
            label: 'demo, paper model, first 4',
            slide: DEMO_SLIDE,
            model: 'paper',
            passes: 50,
            prefetch: true,
            limit: 4,
          } as const,
        ]),
  ];
  console.log(
    `load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (2 shared cores: timings are noisy)`,
  );
  const results: CaseResult[] = [];
  for (const c of cases) {
    process.stdout.write(`  ${c.label} … `);
    const child = spawnSync(process.execPath, [...process.execArgv, self, '--worker', JSON.stringify(c)], {
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
      cwd: repoRoot,
    });
    const line = child.stdout
      .split('\n')
      .reverse()
      .find((l) => l.startsWith(RESULT_PREFIX));
    if (line === undefined) {
      console.log(`failed: ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      continue;
    }
    const r = JSON.parse(line.slice(RESULT_PREFIX.length)) as CaseResult;
    results.push(r);
    console.log(
      `${r.patchesPerSecond.toFixed(2)} patches/s (${r.scored} scored, ${r.blank} blank) in ${r.wallS.toFixed(1)} s`,
    );
  }
  console.log(
    '\n| slide | model | passes | prefetch | patches (scored / blank) | wall s | patches/s | scored/s | ms per scored patch | read ms (waited) | cores busy | peak RSS MB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.slide.split('/').at(-1)} ${r.width}×${r.height} | ${r.model} | ${r.passes} | ${r.prefetch ? 'yes' : 'no'} | ${r.total} (${r.scored} / ${r.blank}) | ${r.wallS.toFixed(1)} | ${r.patchesPerSecond.toFixed(2)} | ${r.scoredPerSecond.toFixed(2)} | ${r.msPerScoredPatch.toFixed(0)} | ${r.readMs.toFixed(0)} (${r.readWaitMs.toFixed(0)}) | ${r.coresBusy.toFixed(2)} | ${r.peakRssMb.toFixed(0)} |`,
    );
  }
  const out = path.join(benchDir, 'bench-slide.json');
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), loadavg: loadavg(), results }, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(repoRoot, out)}`);
}

await main();
