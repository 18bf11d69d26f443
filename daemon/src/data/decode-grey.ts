import { toGrey } from '@activeseg/shared';
import type { Sharp } from 'sharp';

export interface DecodeGreyResult {
  width: number;
  height: number;
  /** One band, row-major, at the source depth. */
  data: Uint8Array | Uint16Array;
  bitDepth: 8 | 16;
}

export interface DecodeGreySource {
  /** libvips band format of the file (sharp `metadata().depth`): only 8- and 16-bit unsigned are handled here. */
  depth: 'uchar' | 'ushort';
  channels: number;
  hasAlpha: boolean;
}

/**
 * Decodes a sharp pipeline (file, page and window already chosen) to one grey band with the one colour-to-grey
 * conversion (`toGrey`: BT.601 on stored values, alpha ignored). libvips only unpacks bands here; its own `b-w`
 * colourspace (luminance in linear light) is never used, so `readImage` and the slide reader agree on every pixel.
 */
export async function decodeGrey(pipeline: Sharp, source: DecodeGreySource): Promise<DecodeGreyResult> {
  const sixteen = source.depth === 'ushort';
  const colour = source.channels - (source.hasAlpha ? 1 : 0) >= 3;
  // Naming the colourspace keeps the bands as stored: without it sharp would expand grey to 3-band sRGB on output,
  // and 16-bit to 8-bit.
  const space = colour ? (sixteen ? 'rgb16' : 'srgb') : sixteen ? 'grey16' : 'b-w';
  const { data, info } = await pipeline
    .toColourspace(space)
    .raw({ depth: sixteen ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const samples = sixteen
    ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const grey = toGrey(samples, { bands: info.channels, pixels: info.width * info.height });
  return { width: info.width, height: info.height, data: grey, bitDepth: sixteen ? 16 : 8 };
}
