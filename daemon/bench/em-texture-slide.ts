import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { pyramidTiffOptions } from '../src/slides/pyramid-tiff.js';

export interface EmTextureSlideOptions {
  /** Folder of real EM images (grey or colour; converted to grey as the daemon does). */
  imagesDir: string;
  /** Edge of the square slide in pixels. */
  size: number;
  /** Where the pyramidal TIFF goes; reused when it already exists (generation takes a while on 2 cores). */
  file: string;
}

/**
 * A square slide of real EM texture: the images of `imagesDir`, in name order, laid edge to edge row by row (every
 * other copy mirrored, so borders continue the texture instead of cutting it) and written as the daemon's own pyramid
 * format. Real tissue, not a constant or noise field, so the blank-patch skip cannot flatter a throughput figure: every
 * 512² cell of it is scored.
 */
export async function emTextureSlide(options: EmTextureSlideOptions): Promise<string> {
  if (existsSync(options.file)) return options.file;
  const names = readdirSync(options.imagesDir)
    .filter((n) => /\.(png|tif|tiff|jpe?g)$/i.test(n))
    .sort();
  if (names.length === 0) throw new Error(`emTextureSlide: no images in ${options.imagesDir}`);
  const images = await Promise.all(
    names.map(async (n) => {
      const { data, info } = await sharp(path.join(options.imagesDir, n))
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height };
    }),
  );
  const size = options.size;
  const out = new Uint8Array(size * size);
  let k = 0;
  for (let top = 0, row = 0; top < size; row++) {
    let rowHeight = 0;
    for (let left = 0, col = 0; left < size; col++) {
      const img = images[k++ % images.length]!;
      const flipX = (row + col) % 2 === 1;
      const flipY = row % 2 === 1;
      const w = Math.min(img.width, size - left);
      const h = Math.min(img.height, size - top);
      for (let y = 0; y < h; y++) {
        const sy = flipY ? img.height - 1 - y : y;
        for (let x = 0; x < w; x++) {
          const sx = flipX ? img.width - 1 - x : x;
          out[(top + y) * size + left + x] = img.data[sy * img.width + sx]!;
        }
      }
      left += w;
      rowHeight = Math.max(rowHeight, h);
    }
    top += rowHeight;
  }
  mkdirSync(path.dirname(options.file), { recursive: true });
  const partial = `${options.file}.partial-${process.pid}.tif`;
  await sharp(out, { raw: { width: size, height: size, channels: 1 }, limitInputPixels: false })
    .tiff(pyramidTiffOptions('jpeg', 90))
    .toFile(partial);
  renameSync(partial, options.file);
  return options.file;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The speed bench's slide: the bundled AxonDeepSeg SEM images tiled to `size`², kept under runs/bench/. */
export function benchEmSlide(size: number): Promise<string> {
  return emTextureSlide({
    imagesDir: path.join(repoRoot, 'demo/axondeepseg-sem/images'),
    size,
    file: path.join(repoRoot, 'runs/bench', `em-texture-${size}.tif`),
  });
}
