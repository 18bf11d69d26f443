import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { applyColormap, VIRIDIS } from '@activeseg/shared';
import sharp from 'sharp';
import { isSkippedDataFile, splitDataFileName } from '../data/data-file-name.js';
import { downscaleImage } from '../data/downscale.js';
import { readImage } from '../data/read-image.js';
import { predictImage } from '../inference/predict-image.js';
import { type LoadedBundle, loadBundle } from '../model/index.js';
import { atomicWrite } from '../store/atomic-write.js';
import { initBackend } from './init-backend.js';
import { intOption } from './int-option.js';
import { createProgressBar, type ProgressBar } from './progress-bar.js';

export const PREDICT_USAGE = `activeseg predict --model <bundle dir> --input <image or folder> --out <dir> [--mc <passes>]

Segments images with a trained bundle. Writes <id>-mask.png (0/255, the input's size) and <id>-probability.png; with
--mc also <id>-uncertainty.png (std × EDT heat-map, viridis) and <id>-patches.csv (one paper score per patch).
In a folder, hidden files and sidecars (.json, .md, .txt, .csv, .tsv) are skipped like the data-set loader does; an
image that fails does not stop the others: every failure is listed at the end and the exit code is 1.

  --model <dir>     model bundle from "activeseg train" (required)
  --input <path>    an image file or a folder of images (required)
  --out <dir>       output folder (required)
  --mc <n>          Monte-Carlo dropout passes (default 0 = deterministic only; the paper uses 50)
  --seed <n>        seed for the dropout masks (default 1)
  --backend <name>  force a tfjs backend`;

async function listInputs(path: string): Promise<string[]> {
  const s = await stat(path).catch(() => {
    throw new Error(`--input: ${path} does not exist`);
  });
  if (!s.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !isSkippedDataFile(e.name))
    .map((e) => e.name)
    .sort()
    .map((n) => join(path, n));
}

const toU8 = (data: Float32Array, scale: number) =>
  Uint8Array.from(data, (v) => Math.max(0, Math.min(255, Math.round(v * scale))));

export async function predictCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      input: { type: 'string' },
      out: { type: 'string' },
      mc: { type: 'string', default: '0' },
      seed: { type: 'string', default: '1' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(PREDICT_USAGE);
    return 0;
  }
  if (!values.model || !values.input || !values.out) throw new Error('--model, --input and --out are required');
  const passes = intOption('mc', values.mc, { min: 0 });
  const seed = intOption('seed', values.seed, { min: 0 });
  console.error(`backend: ${await initBackend({ prefer: values.backend, purpose: 'infer' })}`);
  const bundle = await loadBundle(values.model);
  const scale = typeof bundle.info?.scale === 'number' ? bundle.info.scale : 1;
  await mkdir(values.out, { recursive: true });
  const files = await listInputs(values.input);
  const failures: { file: string; message: string }[] = [];
  for (const [index, file] of files.entries()) {
    try {
      await predictFile(file, {
        bundle,
        scale,
        passes,
        seed,
        out: values.out,
        label: files.length > 1 ? `${basename(file)} (${index + 1}/${files.length})` : basename(file),
      });
    } catch (err) {
      // One bad image must not cost the rest of the folder: note it, go on, and report every failure at the end.
      const e = err as { code?: unknown; message?: unknown };
      const message = `${typeof e.code === 'string' ? `[${e.code}] ` : ''}${typeof e.message === 'string' ? e.message : String(err)}`;
      failures.push({ file, message });
      console.error(`${file}: failed: ${message}`);
    }
  }
  bundle.model.dispose();
  if (failures.length === 0) return 0;
  console.error(
    `${failures.length} of ${files.length} image${files.length === 1 ? '' : 's'} failed:\n${failures.map((f) => `  ${f.file}: ${f.message}`).join('\n')}`,
  );
  return 1;
}

interface PredictFileOptions {
  bundle: LoadedBundle;
  scale: number;
  passes: number;
  seed: number;
  out: string;
  label: string;
}

async function predictFile(file: string, options: PredictFileOptions): Promise<void> {
  const { bundle, scale, passes, seed, out } = options;
  const raw = await readImage(file);
  const { id } = splitDataFileName(basename(file));
  const full = { width: raw.width, height: raw.height, data: Float32Array.from(raw.data) };
  const image = downscaleImage(full, scale);
  let bar: ProgressBar | undefined;
  const result = predictImage(image, {
    model: bundle.model,
    normalization: bundle.normalization,
    mcPasses: passes,
    seed,
    onPatch: (done, total) => {
      bar ??= createProgressBar({ label: options.label, total });
      bar.update(done);
    },
  });
  bar?.finish();
  const { width, height } = result.probability;
  // Probabilities go back to the input's size before thresholding, so the mask lines up with the original pixels.
  const prob8 = await sharp(toU8(result.probability.data, 255), { raw: { width, height, channels: 1 } })
    .resize(raw.width, raw.height, { kernel: 'cubic' })
    .raw()
    .toBuffer();
  const mask = Uint8Array.from(prob8, (v) => (v > 127 ? 255 : 0));
  const png = (data: Uint8Array, w: number, h: number, channels: 1 | 4) =>
    sharp(data, { raw: { width: w, height: h, channels } })
      .png()
      .toBuffer();
  await atomicWrite(join(out, `${id}-mask.png`), await png(mask, raw.width, raw.height, 1));
  await atomicWrite(join(out, `${id}-probability.png`), await png(Uint8Array.from(prob8), raw.width, raw.height, 1));
  if (result.uncertainty) {
    let max = 0;
    for (const v of result.uncertainty.data) if (v > max) max = v;
    const rgba = Uint8Array.from(applyColormap(result.uncertainty, { lut: VIRIDIS, min: 0, max: max || 1 }));
    await atomicWrite(join(out, `${id}-uncertainty.png`), await png(rgba, width, height, 4));
    const csv = [
      'x,y,score',
      ...result.patches.map((p) => `${Math.round(p.x / scale)},${Math.round(p.y / scale)},${p.score}`),
    ];
    await atomicWrite(join(out, `${id}-patches.csv`), new TextEncoder().encode(`${csv.join('\n')}\n`));
  }
  const fg = mask.reduce((a, v) => a + (v ? 1 : 0), 0) / mask.length;
  console.log(`${file}: ${raw.width}×${raw.height}, ${(fg * 100).toFixed(1)} % myelin → ${out}/${id}-mask.png`);
}
