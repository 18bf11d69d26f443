import { readFile } from 'node:fs/promises';
import type { TileLayer } from '@activeseg/protocol';
import { applyColormap, VIRIDIS } from '@activeseg/shared';
import sharp from 'sharp';
import type { DziTileBounds } from '../slides/dzi.js';
import { decodeScoreMap } from '../store/score-map.js';
import type { ScoreRecord, ScoresRepo } from '../store/scores-repo.js';
import type { ProjectPaths } from './project-paths.js';

export interface RenderOverlayTileOptions {
  slideId: string;
  layer: Exclude<TileLayer, 'image'>;
  modelVersion: number;
  /** Section of a volume; absent = 0. */
  z?: number;
  bounds: DziTileBounds;
  slideSize: { width: number; height: number };
  scores: ScoresRepo;
  paths: ProjectPaths;
  /** Edge of the patch grid the scores were computed on. */
  patchSize: number;
  /** Above this downsample, each patch is painted with its stored average instead of reading its map. */
  maxMapDownsample?: number;
}

/**
 * RGBA PNG of the uncertainty (MC std) or prediction (mean probability) overlay for one DZI tile, viridis
 * with alpha following the value so low values fade out; uncertainty is drawn on a square-root scale. Pixels
 * of unscored patches (background, or not yet reached by a running inference) are transparent.
 */
export async function renderOverlayTile(options: RenderOverlayTileOptions): Promise<Uint8Array> {
  const { bounds: b, layer } = options;
  const d = 2 ** b.sourceLevel;
  const l0 = b.level0;
  const records = options.scores.listInRange(
    options.slideId,
    options.modelVersion,
    rangeOf(l0, options.patchSize),
    options.z ?? 0,
  );
  const size = options.patchSize;
  const byCell = new Map<string, ScoreRecord>(records.map((r) => [`${r.col}_${r.row}`, r]));
  const useMaps = d <= (options.maxMapDownsample ?? 16);
  const maps = new Map<string, Uint8Array | null>();
  if (useMaps) {
    await Promise.all(
      records.map(async (r) => {
        const bytes = await readFile(options.paths.fromStored(r.mapPath)).catch(() => null);
        const decoded = bytes && decodeScoreMap(new Uint8Array(bytes), r.size);
        maps.set(`${r.col}_${r.row}`, decoded ? (layer === 'uncertainty' ? decoded.std : decoded.mean) : null);
      }),
    );
  }
  const data = new Float32Array(b.width * b.height).fill(Number.NaN);
  for (let ty = 0; ty < b.height; ty++) {
    const ly = Math.min(options.slideSize.height - 1, l0.y + Math.floor((ty + 0.5) * d));
    const row = Math.floor(ly / size);
    for (let tx = 0; tx < b.width; tx++) {
      const lx = Math.min(options.slideSize.width - 1, l0.x + Math.floor((tx + 0.5) * d));
      const key = `${Math.floor(lx / size)}_${row}`;
      if (useMaps) {
        const plane = maps.get(key);
        if (plane) data[ty * b.width + tx] = plane[(ly % size) * size + (lx % size)]! / 255;
      } else {
        const r = byCell.get(key);
        if (r) data[ty * b.width + tx] = layer === 'uncertainty' ? Math.min(1, r.meanStd * 2) : r.meanFg;
      }
    }
  }
  // Typical MC std sits in the lowest tenth of its range, where a linear ramp is one flat, near-transparent
  // purple; on a square-root scale it gets both visible alpha and distinct colours (the viewer's legend says so).
  // Prediction tiles stay linear: their alpha is P(myelin), which the viewer thresholds.
  if (layer === 'uncertainty') for (let i = 0; i < data.length; i++) data[i] = Math.sqrt(data[i]!);
  const rgba = applyColormap({ width: b.width, height: b.height, data }, { lut: VIRIDIS, alphaFromValue: true });
  const png = await sharp(Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength), {
    raw: { width: b.width, height: b.height, channels: 4 },
  })
    .png()
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.length);
}

function rangeOf(
  rect: { x: number; y: number; width: number; height: number },
  size: number,
): { col0: number; col1: number; row0: number; row1: number } {
  return {
    col0: Math.floor(rect.x / size),
    col1: Math.floor((rect.x + rect.width - 1) / size),
    row0: Math.floor(rect.y / size),
    row1: Math.floor((rect.y + rect.height - 1) / size),
  };
}
