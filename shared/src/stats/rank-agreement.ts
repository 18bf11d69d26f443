/**
 * Measures of how far two suggestion runs over the same patch grid agree. Scores are given in the same cell order for
 * both runs (one number per grid cell).
 */

/** Ranks 0…n−1 in ascending order of value; ties take the mean of their ranks. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length).fill(0);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && order[end]!.v === order[start]!.v) end++;
    const rank = (start + end - 1) / 2;
    for (let k = start; k < end; k++) out[order[k]!.i] = rank;
    start = end;
  }
  return out;
}

/** Spearman rank correlation (Pearson correlation of the ranks, so ties are handled); NaN when a run is constant. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`spearman: ${a.length} vs ${b.length} values`);
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    const x = ra[i]! - mean;
    const y = rb[i]! - mean;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return num / Math.sqrt(da * db);
}

/** How many keys the two lists share. */
export function overlap(a: readonly string[], b: readonly string[]): number {
  const set = new Set(a);
  return b.filter((key) => set.has(key)).length;
}

/**
 * Median over cells of |a − b| / ((a + b) / 2): how far the scores themselves moved, robust to the few noisy cells.
 * A bug that keeps the ranking but rescales the uncertainty (e.g. a wrong input normalisation) shows up here.
 */
export function medianRelativeDifference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`medianRelativeDifference: ${a.length} vs ${b.length} values`);
  const d = a.map((x, i) => {
    const y = b[i]!;
    const m = (Math.abs(x) + Math.abs(y)) / 2;
    return m === 0 ? 0 : Math.abs(x - y) / m;
  });
  d.sort((x, y) => x - y);
  const mid = d.length >> 1;
  return d.length % 2 ? d[mid]! : (d[mid - 1]! + d[mid]!) / 2;
}
