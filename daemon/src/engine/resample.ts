/**
 * Integer-factor nearest upsampling of a square map (model resolution → slide patch resolution). Overlay maps are
 * smooth at the model's scale, so repeating pixels loses nothing a person could see, and keeps values exact.
 */
export function upsampleNearest(src: Float32Array, size: number, factor: number): Float32Array {
  if (factor === 1) return src;
  const out = new Float32Array(size * factor * size * factor);
  const outSize = size * factor;
  for (let y = 0; y < outSize; y++) {
    const sy = Math.floor(y / factor) * size;
    for (let x = 0; x < outSize; x++) out[y * outSize + x] = src[sy + Math.floor(x / factor)] as number;
  }
  return out;
}
