/**
 * Context margin: what it buys and what it costs. Scores the demo slide (the bench slide: 1541 × 1096 SEM, 4 × 3 cells
 * of 512²) with the shipped base model through the daemon's infer job (onnxruntime, as `serve` runs it) at several
 * context margins, and reports for each the seam ratio of the stored overlays (step across cell borders / step inside
 * cells, test/engines/seam-jumps.ts) and the whole-slide throughput in cells per second (median of the timed runs,
 * after one untimed run that builds the runner). Margins are measured in alternating rounds so load on a shared
 * machine drifts over all of them alike. Writes runs/seams/: corner-<margin>.png (the overlays as the tiles render them
 * over a 128² crop centred on the cell corner at (512, 512), ×4: slide | P(myelin) | uncertainty) and seams.json.
 *
 *   npx tsx scripts/seam-overlay.ts [--margins 0,16,32,64] [--rounds 2] [--runs 2]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { applyColormap, VIRIDIS } from '@activeseg/shared';
import sharp from 'sharp';
import { REPO_ROOT } from '../daemon/src/cli/demo-paths.js';
import { type ScoredDemoSlide, scoreDemoSlide } from '../test/engines/score-demo-slide.js';
import { seamJumps } from '../test/engines/seam-jumps.js';

const { values } = parseArgs({
  options: {
    margins: { type: 'string', default: '0,16,32,64' },
    rounds: { type: 'string', default: '2' },
    runs: { type: 'string', default: '2' },
  },
});
const margins = values.margins.split(',').map(Number);
const outDir = join(REPO_ROOT, 'runs', 'seams');
mkdirSync(outDir, { recursive: true });

const CROP = 128;
const ZOOM = 4;
const CORNER = { x: 512, y: 512 };

/** The crop's overlays as `render-overlay-tile.ts` paints them (viridis, alpha from value, uncertainty on a √ scale), over the slide. */
async function cornerPicture(slide: ScoredDemoSlide, file: string): Promise<void> {
  const x0 = CORNER.x - CROP / 2;
  const y0 = CORNER.y - CROP / 2;
  const crop = (plane: ArrayLike<number>, f: (v: number) => number) =>
    Float32Array.from({ length: CROP * CROP }, (_, i) =>
      f(plane[(y0 + Math.floor(i / CROP)) * slide.width + x0 + (i % CROP)] as number),
    );
  const grey = crop(slide.pixels, (v) => v);
  const over = (values: Float32Array) => {
    const rgba = applyColormap({ width: CROP, height: CROP, data: values }, { lut: VIRIDIS, alphaFromValue: true });
    const out = new Uint8Array(CROP * CROP * 3);
    for (let i = 0; i < CROP * CROP; i++) {
      const a = (rgba[i * 4 + 3] as number) / 255;
      for (let c = 0; c < 3; c++)
        out[i * 3 + c] = Math.round((rgba[i * 4 + c] as number) * a + (grey[i] as number) * (1 - a));
    }
    return out;
  };
  const panels = [
    Uint8Array.from({ length: CROP * CROP * 3 }, (_, i) => grey[Math.floor(i / 3)] as number),
    over(crop(slide.mean, (v) => v)),
    over(crop(slide.std, (v) => Math.sqrt(Math.min(1, v * 2)))),
  ];
  const gap = 8;
  const width = panels.length * CROP + (panels.length - 1) * gap;
  const canvas = new Uint8Array(width * CROP * 3).fill(255);
  panels.forEach((panel, p) => {
    for (let y = 0; y < CROP; y++)
      canvas.set(panel.subarray(y * CROP * 3, (y + 1) * CROP * 3), (y * width + p * (CROP + gap)) * 3);
  });
  await sharp(canvas, { raw: { width, height: CROP, channels: 3 } })
    .resize({ width: width * ZOOM, kernel: 'nearest' })
    .png()
    .toFile(file);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

const results = new Map<number, { seconds: number[]; mean: number[]; std: number[]; cells: number }>();
for (let round = 0; round < Number(values.rounds); round++) {
  for (const margin of margins) {
    const slide = await scoreDemoSlide({ contextMargin: margin, timedRuns: Number(values.runs) });
    const options = { cellSize: slide.patchSize, step: 2 };
    const r = results.get(margin) ?? { seconds: [], mean: [], std: [], cells: slide.cells };
    r.seconds.push(...slide.seconds);
    r.mean.push(seamJumps({ width: slide.width, height: slide.height, data: slide.mean }, options).ratio);
    r.std.push(seamJumps({ width: slide.width, height: slide.height, data: slide.std }, options).ratio);
    results.set(margin, r);
    if (round === 0) await cornerPicture(slide, join(outDir, `corner-${margin}.png`));
    process.stderr.write(
      `round ${round + 1}, margin ${margin}: ${slide.seconds.map((s) => s.toFixed(2)).join(' ')} s\n`,
    );
  }
}
const summary = margins.map((margin) => {
  const r = results.get(margin)!;
  const seconds = median(r.seconds);
  return {
    margin,
    cellsPerSecond: Number((r.cells / seconds).toFixed(3)),
    secondsPerSlide: Number(seconds.toFixed(2)),
    meanSeamRatio: r.mean.map((v) => Number(v.toFixed(3))),
    stdSeamRatio: r.std.map((v) => Number(v.toFixed(3))),
  };
});
const base = summary.find((s) => s.margin === 0);
for (const s of summary) {
  const cost = base ? ` (${(base.cellsPerSecond / s.cellsPerSecond).toFixed(2)}× the time of no margin)` : '';
  console.log(
    `margin ${s.margin} model px: ${s.cellsPerSecond} cells/s${cost}; seam ratio mean ${s.meanSeamRatio.join(', ')}, std ${s.stdSeamRatio.join(', ')}`,
  );
}
writeFileSync(join(outDir, 'seams.json'), `${JSON.stringify({ date: new Date().toISOString(), summary }, null, 1)}\n`);
