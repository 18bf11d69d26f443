import { openOmeZarrSource } from './ome-zarr-source.js';
import { loadSharpSlideSource } from './sharp-slide-source.js';
import type { SlideSource } from './slide-source.js';

export interface OpenSlideSourceOptions {
  /** The format ingest recorded for the slide (`ome-zarr` for a store directory, a libvips format otherwise). */
  format: string;
  /** sharp's limitInputPixels for libvips-read files; 0 or false disables it. */
  limitInputPixels?: number | false;
}

/** Opens a stored slide's read path with the reader its format needs. */
export function openSlideSource(path: string, options: OpenSlideSourceOptions): Promise<SlideSource> {
  if (options.format === 'ome-zarr') return openOmeZarrSource(path);
  return loadSharpSlideSource(path, { limitInputPixels: options.limitInputPixels ?? false });
}
