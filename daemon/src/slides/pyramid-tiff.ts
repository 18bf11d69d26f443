import type { TiffOptions } from 'sharp';

/**
 * How activeseg writes a slide it reads back in windows: a tiled (256²) pyramidal BigTIFF, so a 512² window or a DZI
 * tile at any level touches a few tiles. Ingest converts non-pyramidal inputs to it; test slides are written in it.
 */
export function pyramidTiffOptions(compression: NonNullable<TiffOptions['compression']>, quality: number): TiffOptions {
  return { tile: true, tileWidth: 256, tileHeight: 256, pyramid: true, bigtiff: true, compression, quality };
}
