import type { Region } from '@activeseg/protocol';

/**
 * The grid cells in scoring order: cells that overlap any of `regions` (what viewers are looking at) first, then
 * the rest, each group in its original order. Without regions the order is unchanged. In a volume only cells of
 * the first cell's section count as seen: viewers look at one section, and the grid lists that section first.
 */
export function focusFirst<C extends { col: number; row: number; z?: number }>(
  cells: readonly C[],
  regions: readonly Region[],
  patchSize: number,
): C[] {
  if (regions.length === 0) return [...cells];
  const section = cells[0]?.z ?? 0;
  const seen = (c: C): boolean => {
    if ((c.z ?? 0) !== section) return false;
    const x0 = c.col * patchSize;
    const y0 = c.row * patchSize;
    return regions.some(
      (r) => x0 < r.x + r.width && r.x < x0 + patchSize && y0 < r.y + r.height && r.y < y0 + patchSize,
    );
  };
  const first: C[] = [];
  const rest: C[] = [];
  for (const c of cells) (seen(c) ? first : rest).push(c);
  return [...first, ...rest];
}
