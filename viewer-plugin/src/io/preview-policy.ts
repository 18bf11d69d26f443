import { IMAGE_EXTENSIONS, imageExtensionOf } from './image-extensions.js';

/** Above this a dropped file is uploaded without a preview (default 32 MiB). */
export const DEFAULT_PREVIEW_MAX_BYTES = 32 * 1024 * 1024;

export interface ShouldPreviewOptions {
  previewMaxBytes?: number;
}

/**
 * Whether a dropped file is decoded in the page to show it before its upload is done. The browser decodes a whole
 * image into RGBA (4 bytes a pixel, plus itk-wasm's copies): a 180 MB 20 000² TIFF grew Chromium to 7.5 GB and
 * then failed. So only small files are previewed, and never a TIFF (tiled and compressed, a small one can still
 * hold gigapixels); everything else streams to the daemon, which reads slides a tile at a time.
 */
export function shouldPreview(file: { name: string; size: number }, options: ShouldPreviewOptions = {}): boolean {
  const ext = imageExtensionOf(file.name);
  // Unknown extensions are not decoded here either: the daemon sniffs the bytes and names what it cannot read.
  if (ext === undefined || IMAGE_EXTENSIONS[ext] === 'tiff') return false;
  return file.size <= (options.previewMaxBytes ?? DEFAULT_PREVIEW_MAX_BYTES);
}
