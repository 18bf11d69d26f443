/** Parses an integer flag with a message that names the flag, so a typo never silently becomes NaN. */
export function intOption(name: string, raw: string, bounds: { min?: number; max?: number } = {}): number {
  const v = Number(raw);
  if (!Number.isInteger(v)) throw new Error(`--${name}: expected an integer, got "${raw}"`);
  if (bounds.min !== undefined && v < bounds.min) throw new Error(`--${name}: must be ≥ ${bounds.min}, got ${v}`);
  if (bounds.max !== undefined && v > bounds.max) throw new Error(`--${name}: must be ≤ ${bounds.max}, got ${v}`);
  return v;
}
