import { type Adjustment, isNeutral, NEUTRAL_ADJUSTMENT, normalizeAdjustment } from '../layers/tone-curve.js';

/** Where each slide's display adjustment is remembered, per browser, across reloads. */
const keyOf = (slideId: string) => `activeseg-adjustment:${slideId}`;

/** The saved adjustment of a slide; neutral when none was saved or storage is unavailable (private mode). */
export function loadAdjustment(slideId: string, storage: Storage | undefined = globalThis.localStorage): Adjustment {
  try {
    const raw = storage?.getItem(keyOf(slideId));
    return raw ? normalizeAdjustment(JSON.parse(raw)) : NEUTRAL_ADJUSTMENT;
  } catch {
    return NEUTRAL_ADJUSTMENT;
  }
}

export function saveAdjustment(
  slideId: string,
  adjustment: Adjustment,
  storage: Storage | undefined = globalThis.localStorage,
): void {
  try {
    if (isNeutral(adjustment)) storage?.removeItem(keyOf(slideId));
    else storage?.setItem(keyOf(slideId), JSON.stringify(adjustment));
  } catch {
    // Full or blocked storage: the adjustment still applies for this session.
  }
}
