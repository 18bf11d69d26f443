import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { DziTileBounds } from '../slides/dzi.js';
import { decodeScoreMap } from '../store/score-map.js';
import type { ScoresRepo } from '../store/scores-repo.js';
import type { ProjectPaths } from './project-paths.js';

export interface RenderChangedTileOptions {
  slideId: string;
  from: number;
  to: number;
  bounds: DziTileBounds;
  slideSize: { width: number; height: number };
  scores: ScoresRepo;
  paths: ProjectPaths;
  /** Edge of the patch grid the scores were computed on. */
  patchSize: number;
}

/** Myelin in `to` only (gained) and in `from` only (lost), RGBA; alpha leaves the slide visible underneath. */
export const GAINED_RGBA = [255, 0, 255, 220] as const;
export const LOST_RGBA = [0, 229, 255, 220] as const;

/** Mean P(myelin) as stored (× 255) at or above this byte is "myelin": the 0.5 threshold of the prediction layer. */
const MYELIN_BYTE = 128;

/**
 * The "what changed" tile between two model versions: each pixel compares the two versions' stored per-patch mean
 * maps, thresholded at 0.5 (the same maps the prediction overlay draws, kept per version). Pixels of cells either
 * version has not scored stay transparent, so nothing is claimed about what was never predicted.
 */
export async function renderChangedTile(options: RenderChangedTileOptions): Promise<Uint8Array> {
  const { bounds: b, patchSize: size } = options;
  const d = 2 ** b.sourceLevel;
  const l0 = b.level0;
  const range = {
    col0: Math.floor(l0.x / size),
    col1: Math.floor((l0.x + l0.width - 1) / size),
    row0: Math.floor(l0.y / size),
    row1: Math.floor((l0.y + l0.height - 1) / size),
  };
  const meansOf = async (version: number) => {
    const maps = new Map<string, Uint8Array>();
    await Promise.all(
      options.scores.listInRange(options.slideId, version, range).map(async (r) => {
        const bytes = await readFile(options.paths.fromStored(r.mapPath)).catch(() => null);
        if (bytes) maps.set(`${r.col}_${r.row}`, decodeScoreMap(new Uint8Array(bytes), r.size).mean);
      }),
    );
    return maps;
  };
  const [before, after] = await Promise.all([meansOf(options.from), meansOf(options.to)]);
  const rgba = new Uint8Array(b.width * b.height * 4);
  for (let ty = 0; ty < b.height; ty++) {
    const ly = Math.min(options.slideSize.height - 1, l0.y + Math.floor((ty + 0.5) * d));
    const row = Math.floor(ly / size);
    for (let tx = 0; tx < b.width; tx++) {
      const lx = Math.min(options.slideSize.width - 1, l0.x + Math.floor((tx + 0.5) * d));
      const key = `${Math.floor(lx / size)}_${row}`;
      const a = before.get(key);
      const z = after.get(key);
      if (!a || !z) continue;
      const i = (ly % size) * size + (lx % size);
      const was = (a[i] as number) >= MYELIN_BYTE;
      const is = (z[i] as number) >= MYELIN_BYTE;
      if (was !== is) rgba.set(is ? GAINED_RGBA : LOST_RGBA, (ty * b.width + tx) * 4);
    }
  }
  const png = await sharp(Buffer.from(rgba.buffer), { raw: { width: b.width, height: b.height, channels: 4 } })
    .png()
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.length);
}
