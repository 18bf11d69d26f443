import type { SlideInfo } from '@activeseg/protocol';

/** A 1000×800 slide as the daemon lists it, for tests; `name` follows the id unless given. */
export function slideInfo(id = 'sl_1', extra: Partial<SlideInfo> = {}): SlideInfo {
  return {
    id,
    name: `${id}.png`,
    width: 1000,
    height: 800,
    tileSize: 256,
    levels: 11,
    format: 'png',
    createdAt: '2026-01-01T00:00:00Z',
    ...extra,
  };
}
