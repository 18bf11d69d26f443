import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { toGrey } from '@activeseg/shared';
import sharp from 'sharp';
import { DataError } from './data-error.js';
import { decodeGrey } from './decode-grey.js';

export type PixelData = Uint8Array | Uint16Array | Float32Array;

export interface ReadImageOptions {
  /**
   * Refuse images with more pixels than this (decompression-bomb guard, passed to sharp's `limitInputPixels`).
   * Default: sharp's own limit, 0x3FFF × 0x3FFF.
   */
  maxPixels?: number;
}

export interface ReadImageResult {
  width: number;
  height: number;
  /** Row-major, one value per pixel; the typed array matches `bitDepth` (8 → Uint8, 16 → Uint16, 32 → Float32). */
  data: PixelData;
  channels: 1;
  bitDepth: 8 | 16 | 32;
  /** Which decoder produced the pixels; useful when a format decodes differently than expected. */
  decoder: 'sharp' | 'itk-wasm';
}

/** Extensions sharp (libvips) decodes; everything else goes to itk-wasm (NRRD, MetaImage, NIfTI, DICOM, …). */
const SHARP_EXTENSIONS = new Set(['.png', '.tif', '.tiff', '.jpg', '.jpeg', '.webp']);

/**
 * Reads a 2-D image as a single channel of raw intensities.
 *
 * Colour handling is `toGrey` (shared), the same conversion the slide reader uses: BT.601 luma on the stored values
 * (0.299, 0.587, 0.114, rounded at the source depth; equal R = G = B unchanged), alpha ignored, which is what PIL's
 * `convert('L')` does, so intensities match the Python tooling the paper used.
 * 8- and 16-bit data keep their depth; anything else (float TIFF, signed or 32-bit integer NRRD, …) becomes Float32.
 *
 * Errors are `DataError`s naming the file: FILE_NOT_FOUND, UNREADABLE_IMAGE (truncated, corrupt, empty, not an
 * image), UNSUPPORTED_FORMAT (no decoder for the extension, or a 3-D volume).
 */
export async function readImage(path: string, options: ReadImageOptions = {}): Promise<ReadImageResult> {
  await assertReadableFile(path);
  const ext = extname(path).toLowerCase();
  if (SHARP_EXTENSIONS.has(ext)) {
    const viaSharp = await readWithSharp(path, options);
    if (viaSharp !== undefined) return viaSharp;
    // sharp decodes only 8/16-bit unsigned losslessly here; float or signed TIFFs go to ITK, which keeps the values.
  }
  return readWithItk(path);
}

async function assertReadableFile(path: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      throw new DataError('UNREADABLE_IMAGE', `${path}: not a regular file`, { path });
    }
  } catch (error) {
    if (error instanceof DataError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DataError('FILE_NOT_FOUND', `${path}: file not found`, { path, cause: error });
    }
    throw new DataError('UNREADABLE_IMAGE', `${path}: cannot access file (${code ?? String(error)})`, {
      path,
      cause: error,
    });
  }
}

async function readWithSharp(path: string, options: ReadImageOptions): Promise<ReadImageResult | undefined> {
  // failOn 'warning' turns libvips' "premature end of file" warnings into errors: a truncated PNG must not load as
  // a silently half-black image.
  const open = () =>
    sharp(path, {
      failOn: 'warning',
      limitInputPixels: options.maxPixels ?? 0x3fff * 0x3fff,
    });
  try {
    const meta = await open().metadata();
    if (meta.depth !== 'uchar' && meta.depth !== 'ushort') return undefined;
    const grey = await decodeGrey(open(), {
      depth: meta.depth,
      channels: meta.channels ?? 1,
      hasAlpha: meta.hasAlpha ?? false,
    });
    return { ...grey, channels: 1, decoder: 'sharp' };
  } catch (error) {
    throw new DataError('UNREADABLE_IMAGE', `${path}: cannot decode image (${messageOf(error)})`, {
      path,
      cause: error,
    });
  }
}

interface ItkImage {
  imageType: { dimension: number; componentType: string; pixelType: string; components: number };
  size: number[];
  data: ArrayLike<number | bigint> | null;
}

async function readWithItk(path: string): Promise<ReadImageResult> {
  // itk-wasm is ESM-only and loads its WASM lazily: import it only when a non-sharp format actually shows up.
  const { readImageNode } = await import('@itk-wasm/image-io');
  let image: ItkImage;
  try {
    image = (await readImageNode(path)) as unknown as ItkImage;
  } catch (error) {
    // itk-wasm throws an Error "Could not find IO for: …" for unknown formats, and a bare number (a C++ exception
    // pointer) when a known format fails to parse.
    if (error instanceof Error && /could not find io/i.test(error.message)) {
      throw new DataError(
        'UNSUPPORTED_FORMAT',
        `${path}: no decoder for extension "${extname(path) || basename(path)}" (sharp: png/tif/jpg/webp; itk-wasm: nrrd, mha, nii, dcm, …)`,
        { path, cause: error },
      );
    }
    throw new DataError('UNREADABLE_IMAGE', `${path}: cannot decode image (itk-wasm: ${messageOf(error)})`, {
      path,
      cause: error,
    });
  }
  const { dimension, components } = image.imageType;
  const [width = 0, height = 1, depth = 1] = image.size;
  if (dimension > 3 || (dimension === 3 && depth !== 1)) {
    throw new DataError(
      'UNSUPPORTED_FORMAT',
      `${path}: ${dimension}-D image of size ${image.size.join('×')}; only 2-D images are supported`,
      { path },
    );
  }
  if (image.data === null || width * height === 0) {
    throw new DataError('UNREADABLE_IMAGE', `${path}: image has no pixel data`, { path });
  }
  if (components !== 1 && components !== 3 && components !== 4) {
    throw new DataError('UNSUPPORTED_FORMAT', `${path}: ${components}-component pixels; expected gray, RGB or RGBA`, {
      path,
    });
  }
  const pixels = width * height;
  let samples: PixelData;
  let bitDepth: 8 | 16 | 32;
  if (image.data instanceof Uint8Array) {
    samples = image.data;
    bitDepth = 8;
  } else if (image.data instanceof Uint16Array) {
    samples = image.data;
    bitDepth = 16;
  } else {
    // Signed, 32-bit integer or double data: Float32 keeps the values' meaning (HU, counts) even if not every bit.
    samples = Float32Array.from(image.data, Number);
    bitDepth = 32;
  }
  const gray = toGrey(samples, { bands: components, pixels });
  return { width, height, data: gray, channels: 1, bitDepth, decoder: 'itk-wasm' };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.message;
  return typeof error === 'number' ? `native exception ${error}` : String(error);
}
