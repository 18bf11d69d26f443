import { applyColormap, VIRIDIS } from '@activeseg/shared';
import sharp from 'sharp';
import { atomicWrite } from '../store/atomic-write.js';

export interface HeatmapInput {
  /** Raw patch intensities. */
  readonly image: Float32Array;
  /** std × EDT uncertainty map. */
  readonly map: Float32Array;
  /** Mean foreground probability. */
  readonly mean: Float32Array;
  readonly size: number;
}

function toGrayRgba(values: Float32Array, lo: number, hi: number): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const span = hi - lo || 1;
  values.forEach((v, i) => {
    const g = Math.max(0, Math.min(255, Math.round(((v - lo) / span) * 255)));
    out.set([g, g, g, 255], i * 4);
  });
  return out;
}

function range(values: Float32Array): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * The paper's Figs. 7–8: the patch, the mean prediction and the uncertainty heat-map side by side, each upscaled
 * (nearest) to at least 256 px so small CPU-preset patches stay readable.
 */
export async function writeHeatmap(path: string, input: HeatmapInput): Promise<void> {
  const { size } = input;
  const [lo, hi] = range(input.image);
  const [, mapMax] = range(input.map);
  const panels = [
    toGrayRgba(input.image, lo, hi),
    toGrayRgba(input.mean, 0, 1),
    Uint8Array.from(
      applyColormap(
        { width: size, height: size, data: input.map },
        { lut: VIRIDIS, min: 0, max: mapMax > 0 ? mapMax : 1 },
      ),
    ),
  ];
  const scale = Math.max(1, Math.ceil(256 / size));
  const side = size * scale;
  const gap = 8;
  const resized = await Promise.all(
    panels.map((rgba) =>
      sharp(rgba, { raw: { width: size, height: size, channels: 4 } })
        .resize(side, side, { kernel: 'nearest' })
        .png()
        .toBuffer(),
    ),
  );
  const png = await sharp({
    create: { width: side * 3 + gap * 2, height: side, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 1 } },
  })
    .composite(resized.map((input, i) => ({ input, left: i * (side + gap), top: 0 })))
    .png()
    .toBuffer();
  await atomicWrite(path, png, { durable: false });
}
