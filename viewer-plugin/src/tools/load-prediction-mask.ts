import type { Region, SlideInfo } from '@activeseg/protocol';
import { authHeaders, tileUrl } from '../sources/tile-url.js';
import { MaskCanvas } from './mask-canvas.js';

export interface LoadPredictionMaskOptions {
  daemonUrl: string;
  token: string;
  slide: SlideInfo;
  /** Model version of the prediction layer shown, so the mask matches what the person sees. */
  modelVersion: number;
  /** Section of a volume; absent = 0. */
  z?: number | undefined;
  region: Region;
}

/**
 * The prediction thresholded at 0.5 over `region`, as a starting mask. Full-resolution prediction tiles carry
 * P(myelin) in their alpha channel (the daemon renders alpha = value), which is exact enough to threshold
 * without a dedicated probability route.
 */
export async function loadPredictionMask(options: LoadPredictionMaskOptions): Promise<MaskCanvas> {
  const { slide, region } = options;
  const top = slide.levels - 1;
  const ts = slide.tileSize;
  const canvas = document.createElement('canvas');
  canvas.width = region.width;
  canvas.height = region.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('canvas 2D is not available');
  const loads: Promise<void>[] = [];
  for (let row = Math.floor(region.y / ts); row * ts < region.y + region.height; row++) {
    for (let col = Math.floor(region.x / ts); col * ts < region.x + region.width; col++) {
      const url = tileUrl({
        daemonUrl: options.daemonUrl,
        slideId: slide.id,
        layer: 'prediction',
        level: top,
        col,
        row,
        modelVersion: options.modelVersion,
        z: options.z,
      });
      loads.push(
        fetch(url, { headers: authHeaders(options.token) })
          .then((r) => {
            if (!r.ok) throw new Error(`prediction tile ${col},${row}: HTTP ${r.status}`);
            return r.blob();
          })
          .then((b) => createImageBitmap(b))
          .then((bmp) => ctx.drawImage(bmp, col * ts - region.x, row * ts - region.y)),
      );
    }
  }
  await Promise.all(loads);
  const rgba = ctx.getImageData(0, 0, region.width, region.height).data;
  const alpha = new Uint8Array(region.width * region.height);
  for (let i = 0; i < alpha.length; i++) alpha[i] = rgba[i * 4 + 3]!;
  return MaskCanvas.fromProbabilities(region, alpha, { scale: 255 });
}
