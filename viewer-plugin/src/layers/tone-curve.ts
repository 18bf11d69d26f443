/** Display adjustment of the slide layer; only what is drawn changes, never the pixels sent or trained on. */
export interface Adjustment {
  /** -1…1, added after contrast (0 = unchanged). */
  readonly brightness: number;
  /** 0…3, scales around mid-grey (1 = unchanged). */
  readonly contrast: number;
  /** 0.2…5, output = input^(1/gamma) (1 = unchanged). */
  readonly gamma: number;
}

export const NEUTRAL_ADJUSTMENT: Adjustment = { brightness: 0, contrast: 1, gamma: 1 };

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The adjustment within its ranges; anything not a finite number becomes neutral (values come from localStorage). */
export function normalizeAdjustment(value: unknown): Adjustment {
  const o = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  return {
    brightness: clamp(num(o.brightness, 0), -1, 1),
    contrast: clamp(num(o.contrast, 1), 0, 3),
    gamma: clamp(num(o.gamma, 1), 0.2, 5),
  };
}

export function isNeutral(a: Adjustment): boolean {
  return a.brightness === 0 && a.contrast === 1 && a.gamma === 1;
}

/** The 8-bit lookup table of an adjustment: gamma first, then contrast around 0.5, then brightness. */
export function toneLut(a: Adjustment): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256);
  for (let i = 0; i < 256; i++) {
    const g = (i / 255) ** (1 / a.gamma);
    const v = (g - 0.5) * a.contrast + 0.5 + a.brightness;
    lut[i] = Math.round(clamp(v, 0, 1) * 255);
  }
  return lut;
}

/** Applies `lut` to the RGB channels of RGBA pixels in place (alpha untouched). */
export function applyLut(rgba: Uint8ClampedArray, lut: Uint8ClampedArray): void {
  for (let i = 0; i < rgba.length; i += 4) {
    rgba[i] = lut[rgba[i]!]!;
    rgba[i + 1] = lut[rgba[i + 1]!]!;
    rgba[i + 2] = lut[rgba[i + 2]!]!;
  }
}
