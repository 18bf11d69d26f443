export interface PatchScore {
  id: string;
  score: number;
  /** Patch origin in level-0 pixels of its slide. */
  x: number;
  y: number;
}

export interface SelectTopKOptions {
  /** 'top': the k best scores. 'diverse': greedy best-first, keeping picks `minDistance` apart. */
  strategy: 'top' | 'diverse';
  /**
   * For 'diverse': a candidate is skipped while its origin is closer than this to an already
   * chosen origin, measured as Chebyshev distance max(|dx|, |dy|), so minDistance = patch size
   * means "no overlapping patches". Default 0 (nothing skipped).
   */
  minDistance?: number;
}

/**
 * Pick up to k patches, best score first (ties broken by id so the order is reproducible; NaN
 * scores rank last). 'diverse' tops up from the skipped candidates, again best first, when too few
 * are far enough apart. Compares origins only, so pass candidates from one slide at a time.
 */
export function selectTopK(
  scores: readonly PatchScore[],
  k: number,
  options: SelectTopKOptions = { strategy: 'top' },
): PatchScore[] {
  const count = Math.max(0, Math.min(Math.floor(k), scores.length));
  const ranked = [...scores].sort(byScoreDescending);
  if (options.strategy === 'top') return ranked.slice(0, count);

  const minDistance = options.minDistance ?? 0;
  const chosen: PatchScore[] = [];
  const skipped: PatchScore[] = [];
  for (const candidate of ranked) {
    if (chosen.length === count) break;
    const crowded = chosen.some(
      (c) => Math.max(Math.abs(c.x - candidate.x), Math.abs(c.y - candidate.y)) < minDistance,
    );
    (crowded ? skipped : chosen).push(candidate);
  }
  return chosen.concat(skipped.slice(0, count - chosen.length));
}

function byScoreDescending(a: PatchScore, b: PatchScore): number {
  const sa = Number.isNaN(a.score) ? Number.NEGATIVE_INFINITY : a.score;
  const sb = Number.isNaN(b.score) ? Number.NEGATIVE_INFINITY : b.score;
  if (sa !== sb) return sb - sa;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
