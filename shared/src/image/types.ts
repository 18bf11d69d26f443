/** A single-channel float image in row-major order (index = y * width + x). */
export interface FloatImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** A binary (0/1) or small-integer mask in row-major order. */
export interface MaskImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}
