/**
 * Every 8th entry of matplotlib's viridis (indices 0, 8, …, 248) plus entry 255, as RGB hex.
 * Linear interpolation between them reproduces the 256-entry table to within 2 levels per channel.
 */
const VIRIDIS_CONTROL_POINTS = `
  440154 470d60 48186a 482374 472d7b 453781 424086 3e4989 3b528b 375b8d 33638d
  2f6b8e 2c728e 297a8e 26828e 23898e 21918c 1f988b 1fa088 22a785 28ae80 32b67a
  3fbc73 4ec36b 5ec962 70cf57 84d44b 98d83e addc30 c2df23 d8e219 ece51b fde725
`
  .trim()
  .split(/\s+/);

const CONTROL_STEP = 8;

/** The viridis colormap as a 256-entry RGB lookup table (768 bytes, r g b per entry). */
export const VIRIDIS: Uint8Array = buildViridis();

function buildViridis(): Uint8Array {
  const rgb = VIRIDIS_CONTROL_POINTS.map((hex) => [0, 2, 4].map((at) => Number.parseInt(hex.slice(at, at + 2), 16)));
  const positions = rgb.map((_, k) => Math.min(k * CONTROL_STEP, 255));
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const k = Math.min(Math.floor(i / CONTROL_STEP), positions.length - 2);
    const lo = positions[k] as number;
    const hi = positions[k + 1] as number;
    const t = (i - lo) / (hi - lo);
    const a = rgb[k] as number[];
    const b = rgb[k + 1] as number[];
    for (let c = 0; c < 3; c++) {
      lut[i * 3 + c] = Math.round((a[c] as number) + t * ((b[c] as number) - (a[c] as number)));
    }
  }
  return lut;
}
