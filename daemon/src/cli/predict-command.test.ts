import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveBundle } from '../model/model-bundle.js';
import { useCpuBackend } from '../model/test-utils.js';
import { createUnet } from '../model/unet.js';
import { parseUnetConfig } from '../model/unet-config.js';
import { runCli } from '../testing/run-cli.js';

let root = '';
let bundle = '';
beforeAll(async () => {
  await useCpuBackend();
  root = await mkdtemp(join(tmpdir(), 'activeseg-predict-cli-'));
  // An untrained, seeded micro U-Net: predict's file handling is under test, not the segmentation quality.
  const config = parseUnetConfig({ inputSize: 32, levels: 3, baseFilters: 4, dropoutRate: 0.2, initSeed: 3 });
  const model = createUnet(config);
  bundle = join(root, 'bundle');
  await saveBundle(bundle, { model, config, normalization: { mean: 100, std: 50 }, info: { scale: 0.5 } });
  model.dispose();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const grey = (path: string, size: number) =>
  sharp(Buffer.from(Array.from({ length: size * size }, (_, i) => (i * 13) % 256)), {
    raw: { width: size, height: size, channels: 1 },
  })
    .png()
    .toFile(path);

describe('activeseg predict on a folder', () => {
  it('skips sidecars, goes on after bad files, lists every failure at the end and exits 1', async () => {
    const input = join(root, 'images');
    await mkdir(input, { recursive: true });
    await grey(join(input, 'a.png'), 96);
    await writeFile(join(input, 'b.png'), 'not a png at all');
    await grey(join(input, 'c.png'), 80);
    await writeFile(join(input, 'd.tif'), Buffer.alloc(0));
    await writeFile(join(input, 'README.md'), '# slides\n');
    await writeFile(join(input, 'c.json'), '{"PixelSize": [0.1, 0.1]}');
    await writeFile(join(input, '.DS_Store'), 'x');
    const out = join(root, 'out');
    const r = await runCli(['predict', '--model', bundle, '--input', input, '--out', out]);
    expect(r.code, r.stderr).toBe(1);
    // Every good image was segmented, including the one after the first bad file.
    expect((await readdir(out)).sort()).toEqual(['a-mask.png', 'a-probability.png', 'c-mask.png', 'c-probability.png']);
    expect(await sharp(join(out, 'c-mask.png')).metadata()).toMatchObject({ width: 80, height: 80 });
    const summary = r.stderr.slice(r.stderr.indexOf('2 of 4 images failed:'));
    expect(summary).toContain(`${join(input, 'b.png')}: [UNREADABLE_IMAGE]`);
    expect(summary).toContain(`${join(input, 'd.tif')}: [UNREADABLE_IMAGE]`);
    expect(r.stderr).not.toContain('README.md');
    expect(r.stderr).not.toContain('c.json');
    // Progress counts patches as whole numbers: 96² at scale ½ is 48², two 32² patches per side.
    expect(r.stderr).toContain('a.png (1/4) [');
    expect(r.stderr).toMatch(/ 4\/4 elapsed/);
    expect(r.stderr).not.toMatch(/\d\.\d+\/\d/);
  });

  it('exits 0 when every image succeeds', async () => {
    const input = join(root, 'good');
    await mkdir(input, { recursive: true });
    await grey(join(input, 'x.png'), 40);
    await writeFile(join(input, 'README.md'), 'notes');
    const r = await runCli(['predict', '--model', bundle, '--input', input, '--out', join(root, 'out-good')]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(root, 'out-good', 'x-mask.png'))).toBe(true);
  });
});
