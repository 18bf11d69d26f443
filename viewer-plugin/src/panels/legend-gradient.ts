/** CSS `linear-gradient` through `stops` evenly spaced entries of an RGB lookup table (3 bytes per entry). */
export function legendGradient(lut: Uint8Array, stops = 8): string {
  const entries = Math.floor(lut.length / 3);
  if (entries < 1 || stops < 2) throw new RangeError('legendGradient: need a non-empty LUT and at least 2 stops');
  const colors: string[] = [];
  for (let i = 0; i < stops; i++) {
    const e = Math.round((i / (stops - 1)) * (entries - 1)) * 3;
    colors.push(`rgb(${lut[e]}, ${lut[e + 1]}, ${lut[e + 2]}) ${Math.round((i / (stops - 1)) * 100)}%`);
  }
  return `linear-gradient(to right, ${colors.join(', ')})`;
}
