/**
 * Per-patch maps as stored on disk: `size²` bytes of mean probability (× 255) followed by `size²` bytes of
 * MC std (× 510, since a probability's std is at most 0.5). Bytes, not floats, because a gigapixel slide has
 * tens of thousands of patches and overlays only need 8-bit colour.
 */
export function encodeScoreMap(mean: Float32Array, std: Float32Array): Uint8Array {
  const n = mean.length;
  const out = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.round(Math.min(1, Math.max(0, mean[i]!)) * 255);
    out[n + i] = Math.round(Math.min(1, Math.max(0, std[i]! * 2)) * 255);
  }
  return out;
}

export interface DecodedScoreMap {
  mean: Uint8Array;
  std: Uint8Array;
}

export function decodeScoreMap(bytes: Uint8Array, size: number): DecodedScoreMap {
  const n = size * size;
  if (bytes.length !== 2 * n) throw new Error(`score map has ${bytes.length} bytes, expected ${2 * n}`);
  return { mean: bytes.subarray(0, n), std: bytes.subarray(n, 2 * n) };
}
