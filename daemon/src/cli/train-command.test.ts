import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'activeseg-train-cli-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A data set of two 128² images whose masks hold the given values in horizontal bands. */
async function dataset(name: string, maskValues: readonly number[]): Promise<string> {
  const dir = join(root, name);
  for (const sub of ['images', 'masks-myelin']) await mkdir(join(dir, sub), { recursive: true });
  for (const id of ['sub-a_1', 'sub-b_1']) {
    const image = Buffer.from(Array.from({ length: 128 * 128 }, (_, i) => (i * 7) % 251));
    await sharp(image, { raw: { width: 128, height: 128, channels: 1 } })
      .png()
      .toFile(join(dir, 'images', `${id}.png`));
    const band = 128 / maskValues.length;
    const mask = Buffer.from(Array.from({ length: 128 * 128 }, (_, i) => maskValues[Math.floor(i / 128 / band)] ?? 0));
    await sharp(mask, { raw: { width: 128, height: 128, channels: 1 } })
      .png()
      .toFile(join(dir, 'masks-myelin', `${id}.png`));
  }
  return dir;
}

describe('activeseg train: mask values', () => {
  it('stops with MASK_VALUES naming the mask and its values when a mask holds 0/50/127/255', async () => {
    const data = await dataset('mixed', [0, 50, 127, 255]);
    const out = join(root, 'bundle-mixed');
    const r = await runCli(['train', '--data', data, '--out', out, '--epochs', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`[MASK_VALUES] ${join(data, 'masks-myelin', 'sub-a_1.png')}: 8192 mask pixels`);
    expect(r.stderr).toContain('50 (4096 px), 127 (4096 px)');
    expect(existsSync(out)).toBe(false);
  });

  it('trains on the same masks when --mask-values names the foreground', async () => {
    const data = await dataset('mixed-ok', [0, 50, 127, 255]);
    const out = join(root, 'bundle-values');
    const r = await runCli(['train', '--data', data, '--out', out, '--epochs', '1', '--mask-values', '127,255/0,50']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(out, 'bundle.json'))).toBe(true);
  });

  it('simulate checks mask values the same way', async () => {
    const data = await dataset('mixed-sim', [0, 50, 127, 255]);
    const r = await runCli(['simulate', '--data', data, '--out', join(root, 'run'), '--iterations', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`[MASK_VALUES] ${join(data, 'masks-myelin', 'sub-a_1.png')}`);
  });

  it('refuses an unknown --mask-mapping before loading anything', async () => {
    const r = await runCli(['train', '--data', root, '--out', join(root, 'x'), '--mask-mapping', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--mask-mapping: expected one of binary, axondeepseg');
  });
});
