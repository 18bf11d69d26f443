import type { FloatImage, MaskImage } from './types.js';

/** Either pixel flavour; functions that only move pixels around accept both and keep the flavour. */
export type AnyImage = FloatImage | MaskImage;

/** A zero-filled image of the given size with the same pixel type as `like`. */
export function createImageLike(like: FloatImage, width: number, height: number): FloatImage;
export function createImageLike(like: MaskImage, width: number, height: number): MaskImage;
export function createImageLike(like: AnyImage, width: number, height: number): AnyImage;
export function createImageLike(like: AnyImage, width: number, height: number): AnyImage {
  const size = width * height;
  return like.data instanceof Float32Array
    ? { width, height, data: new Float32Array(size) }
    : { width, height, data: new Uint8Array(size) };
}
