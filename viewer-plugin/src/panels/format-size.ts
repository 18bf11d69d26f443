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
