import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlideInfo } from '@activeseg/protocol';
import { scaleTo8Bit, toGrey } from '@activeseg/shared';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../daemon/src/data/data-error.js';
import { loadDataset } from '../../daemon/src/data/load-dataset.js';
import { maskMappingPresets } from '../../daemon/src/data/mask-mapping.js';
import { readImage } from '../../daemon/src/data/read-image.js';
import { type DaemonProcess, spawnDaemon } from './harness/spawn-daemon.js';

let root: string;
let daemon: DaemonProcess | undefined;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'activeseg-colour-mask-'));
});
afterAll(async () => {
  await daemon?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const W = 200;
const H = 120;

/** Samples whose R, G, B (and alpha) differ, covering the range of the depth. */
function samples(bands: number, max: number): number[] {
  return Array.from({ length: W * H * bands }, (_, i) => {
    const band = i % bands;
    const p = Math.floor(i / bands);
    return Math.round(((p * (29 + 13 * band) + band * 97) % 991) * (max / 990));
  });
}

const COLOUR_FILES = [
  { name: 'rgb8.png', bands: 3, sixteen: false },
  { name: 'rgba16.png', bands: 4, sixteen: true },
  { name: 'grey-alpha8.png', bands: 2, sixteen: false },
  { name: 'rgb16.tif', bands: 3, sixteen: true },
  { name: 'rgba8.tif', bands: 4, sixteen: false },
] as const;

describe('colour inputs', () => {
  it('slides show every colour file as the grey that training and predict read (one conversion)', async () => {
    const files = join(root, 'colour');
    mkdirSync(files, { recursive: true });
    daemon = await spawnDaemon({ projectDir: join(root, 'project') });
    for (const f of COLOUR_FILES) {
      const stored = samples(f.bands, f.sixteen ? 65535 : 255);
      const raw = f.sixteen ? new Uint16Array(stored) : new Uint8Array(stored);
      const space = f.bands >= 3 ? (f.sixteen ? 'rgb16' : 'srgb') : f.sixteen ? 'grey16' : 'b-w';
      const img = sharp(raw, { raw: { width: W, height: H, channels: f.bands } }).toColourspace(space);
      const path = join(files, f.name);
      await (f.name.endsWith('.png') ? img.png() : img.tiff({ compression: 'lzw' })).toFile(path);

      const grey = toGrey(raw, { bands: f.bands, pixels: W * H });
      expect([f.name, Array.from((await readImage(path)).data)]).toEqual([f.name, Array.from(grey)]);
      const res = await fetch(`${daemon.origin}/api/slides`, {
        method: 'POST',
        headers: daemon.headers(),
        body: JSON.stringify({ path }),
      });
      expect([f.name, res.status]).toEqual([f.name, 201]);
      const slide = SlideInfo.parse(await res.json());
      const tile = await fetch(
        `${daemon.origin}/api/slides/${slide.id}/tiles/image/${slide.levels - 1}/0_0.png?token=${daemon.token}`,
      );
      expect([f.name, tile.status]).toEqual([f.name, 200]);
      const shown = await sharp(Buffer.from(await tile.arrayBuffer()))
        .toColourspace('b-w')
        .raw()
        .toBuffer();
      const expected = grey instanceof Uint16Array ? scaleTo8Bit(grey) : grey;
      expect([f.name, Array.from(shown)]).toEqual([f.name, Array.from(expected)]);
    }
  });
});

describe('mask files with values the mapping does not expect', () => {
  const write = async (path: string, data: Uint8Array | Uint16Array, channels: 1 | 3) => {
    const space = channels === 3 ? 'srgb' : data instanceof Uint16Array ? 'grey16' : 'b-w';
    await sharp(data, { raw: { width: 64, height: 64, channels } })
      .toColourspace(space)
      .png()
      .toFile(path);
  };
  const band = (values: readonly number[]) =>
    Uint8Array.from({ length: 64 * 64 }, (_, i) => values[(i >> 6) % values.length]!);
  const CASES: { name: string; mask: () => Promise<[Uint8Array | Uint16Array, 1 | 3]>; values: string }[] = [
    { name: 'composite', mask: async () => [band([0, 127, 255]), 1], values: '127 (' },
    { name: 'issue-0-50-127-255', mask: async () => [band([0, 50, 127, 255]), 1], values: '50 (' },
    {
      name: 'anti-aliased',
      mask: async () => {
        // A binary disc resized down: its edge holds every value in between.
        const big = Uint8Array.from({ length: 256 * 256 }, (_, i) =>
          Math.hypot((i % 256) - 128, (i >> 8) - 128) < 90 ? 255 : 0,
        );
        const small = await sharp(big, { raw: { width: 256, height: 256, channels: 1 } })
          .resize(64, 64)
          .raw()
          .toBuffer();
        return [new Uint8Array(small), 1];
      },
      values: 'px)',
    },
    { name: 'sixteen-bit', mask: async () => [Uint16Array.from(band([0, 1]), (v) => v * 65535), 1], values: '65535 (' },
    {
      name: 'red-on-black',
      mask: async () => [
        Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => (i % 3 === 0 && (i / 3) % 2 === 0 ? 255 : 0)),
        3,
      ],
      values: '76 (',
    },
  ];
  for (const c of CASES) {
    it(`${c.name}: the default mapping stops with MASK_VALUES naming the mask and its values`, async () => {
      const dir = join(root, `masks-${c.name}`);
      mkdirSync(join(dir, 'images'), { recursive: true });
      mkdirSync(join(dir, 'masks-myelin'), { recursive: true });
      await write(join(dir, 'images', 'a.png'), band([10, 200]), 1);
      const [mask, channels] = await c.mask();
      const maskPath = join(dir, 'masks-myelin', 'a.png');
      await write(maskPath, mask, channels);
      const err = await loadDataset({ dir }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DataError);
      expect((err as DataError).code).toBe('MASK_VALUES');
      expect((err as DataError).path).toBe(maskPath);
      expect((err as DataError).message).toContain(c.values);
    });
  }

  it('the composite mask loads with the axondeepseg preset', async () => {
    const { items } = await loadDataset({
      dir: join(root, 'masks-composite'),
      mapping: maskMappingPresets.axondeepsegCompositeMyelin,
    });
    expect(items[0]?.mask.data.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});
