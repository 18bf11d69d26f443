/** One square training or evaluation patch, in raw (un-normalised) intensities. */
export interface TrainingPatch {
  readonly id: string;
  readonly size: number;
  /** size·size raw intensities. */
  readonly image: Float32Array;
  /** size·size, 1 = foreground (myelin), 0 = background. */
  readonly mask: Uint8Array;
  /** size·size, 1 = annotated (trains and scores), 0 = ignored (padding, unannotated part of a partial patch). */
  readonly weight: Uint8Array;
}
