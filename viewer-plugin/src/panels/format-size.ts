/**
 * A length in level-0 image pixels, with µm when the slide's pixel size is known: "12 px" says neither screen
 * nor image, so the unit is always named.
 */
export function formatImageLength(px: number, pixelSizeUm?: number): string {
  const base = `${px} image px`;
  if (pixelSizeUm === undefined) return base;
  const um = px * pixelSizeUm;
  return `${base} (${um < 10 ? um.toFixed(2) : um.toFixed(1)} µm)`;
}

/** OSD's zoom as the percentage of image pixels per screen pixel: 100 % shows the slide at full resolution. */
export function formatZoomPercent(screenPxPerImagePx: number): string {
  const pct = screenPxPerImagePx * 100;
  return `${pct < 10 ? pct.toFixed(1) : Math.round(pct)} %`;
}

export interface ScaleBar {
  /** Bar length on screen. */
  px: number;
  label: string;
}

/**
 * The longest 1-2-5 × 10ⁿ µm length that fits in `maxPx` screen pixels at `zoom` (screen px per image px), or
 * undefined without a pixel size: a scale bar in pixels would say nothing a biologist can use.
 */
export function scaleBarFor(zoom: number, pixelSizeUm: number | undefined, maxPx = 120): ScaleBar | undefined {
  if (pixelSizeUm === undefined || !(zoom > 0)) return undefined;
  const umPerScreenPx = pixelSizeUm / zoom;
  const maxUm = maxPx * umPerScreenPx;
  const decade = 10 ** Math.floor(Math.log10(maxUm));
  const um = [5, 2, 1].map((m) => m * decade).find((v) => v <= maxUm) ?? decade;
  return { px: um / umPerScreenPx, label: formatLength(um) };
}

/**
 * A 1-2-5 × 10ⁿ length given in µm, in the unit that keeps its number between 1 and 999: nm below 1 µm, mm from
 * 1000 µm. `toPrecision` drops the float noise of `5 × 10⁻²` without rounding a sub-nm length to a wrong "1 nm".
 */
export function formatLength(um: number): string {
  const [value, unit] = um >= 1000 ? [um / 1000, 'mm'] : um >= 1 ? [um, 'µm'] : [um * 1000, 'nm'];
  return `${Number(value.toPrecision(6))} ${unit}`;
}
