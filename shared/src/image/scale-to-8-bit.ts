/**
 * 16-bit grey to 8-bit, `round(v / 257)` (65535 → 255, and 257·k → k exactly): how slides and tiles show 16-bit
 * images, after `toGrey` at the source depth.
 */
export function scaleTo8Bit(samples: Uint16Array): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.round((samples[i] as number) / 257);
  return out;
}
