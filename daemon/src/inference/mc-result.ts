/** What Monte-Carlo passes over one patch give back, on any runtime: per-pixel mean and std, and the passes if kept. */
export interface McResult {
  mean: Float32Array;
  std: Float32Array;
  probs?: Float32Array;
}
