import type { PixelSize } from '@activeseg/protocol';
import type { ImagePixel } from '../state/viewer-state.js';

export interface FormatCursorOptions {
  /** The slide's pixel size; without it only image pixels are shown. */
  pixelSize?: PixelSize | undefined;
  /** Section shown (0-based) and the slide's section count: the section is named only for a volume. */
  section?: number;
  sections?: number;
}

export interface PositionUnit {
  unit: 'nm' | 'µm';
  /** How many of `unit` make one µm. */
  perUm: number;
  /** Decimals that make a step of one pixel change the last digit shown (at most 3). */
  decimals: number;
}

/**
 * The unit a position on this slide reads best in: nm for pixels under 0.01 µm (EM at a few nm per pixel would
 * otherwise read "0.004 µm" steps), µm otherwise.
 */
export function positionUnitFor(pixelSizeUm: number): PositionUnit {
  const [unit, perUm] = pixelSizeUm < 0.01 ? (['nm', 1000] as const) : (['µm', 1] as const);
  // The epsilon keeps an exact 0.1 at one decimal whatever log10 rounds to.
  const decimals = Math.min(3, Math.max(0, Math.ceil(-Math.log10(pixelSizeUm * perUm) - 1e-9)));
  return { unit, perUm, decimals };
}

/**
 * The readout under the pointer: the level-0 pixel (as the daemon, exports and annotations count them), its
 * physical position when the pixel size is known (pixel index × pixel size, as Fiji calibrates it), and the
 * section of a volume.
 */
export function formatCursorPosition(at: ImagePixel, options: FormatCursorOptions = {}): string {
  const { pixelSize, section = 0, sections = 1 } = options;
  const parts = [`x ${at.x}, y ${at.y} px`];
  if (pixelSize) {
    const { unit, perUm, decimals } = positionUnitFor(Math.min(pixelSize.x, pixelSize.y));
    const x = (at.x * pixelSize.x * perUm).toFixed(decimals);
    const y = (at.y * pixelSize.y * perUm).toFixed(decimals);
    parts.push(`${x}, ${y} ${unit}`);
  }
  if (sections > 1) parts.push(`section ${section + 1} of ${sections}`);
  return parts.join(' · ');
}
