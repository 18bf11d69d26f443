import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McDropout } from './layers/mc-dropout.js';
import { loadBundle, saveBundle } from './model-bundle.js';
import { mcPredict, predictProbabilities } from './segmenter.js';
import { useCpuBackend } from './test-utils.js';
import { createUnet } from './unet.js';
import { parseUnetConfig } from './unet-config.js';

const config = parseUnetConfig({ inputSize: 16, levels: 3, baseFilters: 4, dropoutRate: 0.3, initSeed: 8 });
const images = new Float32Array(2 * 16 * 16).map((_, i) => Math.sin(i / 7));

describe('model bundle', () => {
  let root: string;
  let model: LayersModel;
  beforeAll(async () => {
    await useCpuBackend();
    root = await mkdtemp(join(tmpdir(), 'activeseg-bundle-'));
    model = createUnet(config);
    // Non-default BatchNorm statistics, so the round trip must carry the non-trainable weights too.
    const bn = model.getLayer('enc2_bn1');
    tf.tidy(() => bn.setWeights(bn.getWeights().map((w) => tf.add(w, 0.25))));
  });
  afterAll(async () => {
    model.dispose();
    await rm(root, { recursive: true, force: true });
  });

  async function savedCopy(name: string): Promise<string> {
    const dir = join(root, name);
    await saveBundle(dir, { model, config, normalization: { mean: 0.4, std: 0.2 }, info: { epochs: 3, dice: 0.8 } });
    return dir;
  }

  it('round-trips: same predictions, config, normalization, info, and McDropout still there', async () => {
    const dir = await savedCopy('ok');
    expect((await readdir(dir)).sort()).toEqual(['bundle.json', 'model.json', 'weights.bin']);
    const loaded = await loadBundle(dir);
    expect(loaded.config).toEqual(config);
    expect(loaded.normalization).toEqual({ mean: 0.4, std: 0.2 });
    expect(loaded.info).toEqual({ epochs: 3, dice: 0.8 });
    expect(new Date(loaded.createdAt).getTime()).toBeGreaterThan(0);
    const before = predictProbabilities(model, images, { size: 16 });
    expect(predictProbabilities(loaded.model, images, { size: 16 })).toEqual(before);
    const drops = loaded.model.layers.filter((l) => l instanceof McDropout);
    expect(drops.map((l) => (l as McDropout).rate)).toEqual([0.3, 0.3, 0.3, 0.3]);
    const mc = (m: LayersModel) => mcPredict(m, images.subarray(0, 256), { passes: 4, seed: 5 });
    expect(mc(loaded.model).std).toEqual(mc(model).std); // same masks on the same weights
    expect(Math.max(...mc(loaded.model).std)).toBeGreaterThan(0);
    loaded.model.dispose();
  });

  it('names a missing file', async () => {
    const dir = await savedCopy('missing');
    await rm(join(dir, 'weights.bin'));
    await expect(loadBundle(dir)).rejects.toThrow(/cannot read weights\.bin/);
    await expect(loadBundle(join(root, 'nowhere'))).rejects.toThrow(/cannot read bundle\.json/);
  });

  it('names a corrupt weights.bin or model.json, and an invalid bundle.json field', async () => {
    const dir = await savedCopy('corrupt');
    const weights = await readFile(join(dir, 'weights.bin'));
    weights[10] = (weights[10] ?? 0) ^ 0xff;
    await writeFile(join(dir, 'weights.bin'), weights);
    await expect(loadBundle(dir)).rejects.toThrow(/weights\.bin is corrupt/);

    const dir2 = await savedCopy('corrupt-model');
    await writeFile(join(dir2, 'model.json'), '{"modelTopology": ');
    await expect(loadBundle(dir2)).rejects.toThrow(/model\.json is corrupt/);

    const dir3 = await savedCopy('bad-manifest');
    const manifest = JSON.parse(await readFile(join(dir3, 'bundle.json'), 'utf8'));
    await writeFile(join(dir3, 'bundle.json'), JSON.stringify({ ...manifest, normalization: { mean: 0, std: -1 } }));
    await expect(loadBundle(dir3)).rejects.toThrow(/bundle\.json is invalid: normalization\.std/);
    await writeFile(join(dir3, 'bundle.json'), '{');
    await expect(loadBundle(dir3)).rejects.toThrow(/bundle\.json is not valid JSON/);
  });

  it('loads a bundle written before decoderDropout existed as the paper network (dropout in the decoder too)', async () => {
    const dir = await savedCopy('before-decoder-dropout');
    const manifest = JSON.parse(await readFile(join(dir, 'bundle.json'), 'utf8'));
    const { decoderDropout, ...olderConfig } = manifest.unetConfig;
    expect(decoderDropout).toBe(true);
    await writeFile(join(dir, 'bundle.json'), JSON.stringify({ ...manifest, unetConfig: olderConfig }));
    const loaded = await loadBundle(dir);
    expect(loaded.config).toEqual(config);
    expect(loaded.model.layers.filter((l) => l instanceof McDropout).map((l) => l.name)).toEqual([
      'drop_pool1',
      'drop_pool2',
      'drop_concat2',
      'drop_concat1',
    ]);
    loaded.model.dispose();
  });

  it('leaves no temp files behind and overwrites an existing bundle', async () => {
    const dir = await savedCopy('twice');
    await savedCopy('twice');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const loaded = await loadBundle(dir);
    loaded.model.dispose();
  });
});
