import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import { pyramidTiffOptions } from '../slides/pyramid-tiff.js';

/** Test and benchmark support only: a large EM-like slide written without ever holding it in memory. */
export interface WriteSyntheticSlideOptions {
  /** Level-0 size; default 100 000 × 100 000. */
  width?: number;
  height?: number;
  /** Edge of the texture tile that is repeated over the slide (it wraps seamlessly). Default 1024. */
  textureSize?: number;
  /** Seeds the texture so runs repeat. Default 1. */
  seed?: number;
  /**
   * Tile compression. Default `jpeg` (quality 85) up to 65 535 px a side; above that sharp refuses JPEG-in-TIFF
   * (it applies the JPEG format's own dimension limit to the whole image), so the default becomes lossless `lzw` (slow: ~13 Mpx/s on 2 cores).
   */
  compression?: 'jpeg' | 'deflate' | 'lzw' | 'none';
  quality?: number;
}

export interface WriteSyntheticSlideResult {
  width: number;
  height: number;
  compression: string;
  bytes: number;
}

/**
 * Writes a tiled (256²), pyramidal, JPEG-compressed BigTIFF of myelinated-axon-like texture. Only one small texture
 * tile exists in memory: libvips repeats it with `embed(extend=repeat)` and the TIFF writer pulls the slide through
 * in tile strips, shrinking each strip into the pyramid pages as it goes, so memory stays flat at any size.
 */
export async function writeSyntheticSlide(
  path: string,
  options: WriteSyntheticSlideOptions = {},
): Promise<WriteSyntheticSlideResult> {
  const width = options.width ?? 100_000;
  const height = options.height ?? 100_000;
  const t = Math.min(options.textureSize ?? 1024, width, height);
  const texture = await emTexture(t, options.seed ?? 1);
  const compression = options.compression ?? (Math.max(width, height) > 65_535 ? 'lzw' : 'jpeg');
  await sharp(texture, { raw: { width: t, height: t, channels: 1 } })
    .extend({ right: width - t, bottom: height - t, extendWith: 'repeat' })
    .tiff(pyramidTiffOptions(compression, options.quality ?? 85))
    .toFile(path);
  // sharp's `info.size` wraps at 4 GiB; the file system does not.
  return { width, height, compression, bytes: (await stat(path)).size };
}

/** Grey membrane background with dark myelin rings around pale axons, noise and a slight blur; wraps at the edges. */
async function emTexture(size: number, seed: number): Promise<Buffer> {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
  const px = new Float32Array(size * size).fill(150);
  const axons = Math.max(1, Math.round((size * size) / 9000));
  for (let k = 0; k < axons; k++) {
    const cx = rand() * size;
    const cy = rand() * size;
    const r = 8 + rand() * 22;
    const ring = 3 + rand() * 6;
    const outer = r + ring;
    for (let dy = -Math.ceil(outer); dy <= Math.ceil(outer); dy++) {
      for (let dx = -Math.ceil(outer); dx <= Math.ceil(outer); dx++) {
        const d = Math.hypot(dx, dy);
        if (d > outer) continue;
        const x = (((Math.floor(cx) + dx) % size) + size) % size;
        const y = (((Math.floor(cy) + dy) % size) + size) % size;
        px[y * size + x] = d <= r ? 185 : 45;
      }
    }
  }
  const bytes = Buffer.alloc(size * size);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = Math.max(0, Math.min(255, Math.round(px[i]! + (rand() + rand() + rand() - 1.5) * 24)));
  }
  // The blur is clamped at the tile's edges, so leave a one-pixel seam rather than wrap-convolving by hand.
  return sharp(bytes, { raw: { width: size, height: size, channels: 1 } })
    .blur(0.8)
    .raw()
    .toBuffer();
}
