import type { PatchHold, Region } from '@activeseg/protocol';

/** The other tab's hold that overlaps `region` (a patch being edited there), if any. */
export function heldBy(region: Region, holds: readonly PatchHold[]): PatchHold | undefined {
  return holds.find(
    (h) =>
      h.region.x < region.x + region.width &&
      region.x < h.region.x + h.region.width &&
      h.region.y < region.y + region.height &&
      region.y < h.region.y + h.region.height,
  );
}
