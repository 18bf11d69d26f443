import { distanceTransform, threshold } from '@activeseg/shared';

/** The paper's per-pixel uncertainty map, std × EDT(mean > 0.5), for heat-map figures. */
export function uncertaintyMap(mean: Float32Array, std: Float32Array, size: number): Float32Array {
  const mask = threshold({ width: size, height: size, data: mean }, 0.5);
  const edt = distanceTransform(mask);
  const out = new Float32Array(std.length);
  for (let i = 0; i < out.length; i++) out[i] = (std[i] as number) * (edt.data[i] as number);
  return out;
}
