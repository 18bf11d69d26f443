import type { MetricsRow } from './metrics-row.js';

export interface CurvePoint {
  readonly iteration: number;
  readonly nTrain: number;
  readonly mean: number;
  readonly std: number;
  readonly n: number;
}

/** Mean ± population std of a metric per iteration over the experiments of one strategy. */
export function curveByIteration(
  rows: readonly MetricsRow[],
  strategy: string,
  metric: 'dice' | 'jaccard' = 'dice',
): CurvePoint[] {
  const byIter = new Map<number, MetricsRow[]>();
  for (const r of rows) {
    if (r.strategy !== strategy) continue;
    const list = byIter.get(r.iteration) ?? [];
    list.push(r);
    byIter.set(r.iteration, list);
  }
  return [...byIter.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([iteration, list]) => {
      const values = list.map((r) => r[metric]);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
      const nTrain = list.reduce((a, r) => a + r.n_train, 0) / list.length;
      return { iteration, nTrain, mean, std: Math.sqrt(variance), n: values.length };
    });
}

/** Trapezoidal area under the mean curve, normalised by the iteration span so curves of equal length compare. */
export function curveArea(curve: readonly CurvePoint[]): number {
  if (curve.length === 0) return 0;
  if (curve.length === 1) return curve[0]?.mean ?? 0;
  let area = 0;
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1] as CurvePoint;
    const b = curve[i] as CurvePoint;
    area += ((a.mean + b.mean) / 2) * (b.iteration - a.iteration);
  }
  const span = (curve[curve.length - 1] as CurvePoint).iteration - (curve[0] as CurvePoint).iteration;
  return area / span;
}

/** Mean difference strategy − reference over the iterations both have. */
export function meanGap(curve: readonly CurvePoint[], reference: readonly CurvePoint[]): number {
  const ref = new Map(reference.map((p) => [p.iteration, p.mean]));
  const gaps = curve.filter((p) => ref.has(p.iteration)).map((p) => p.mean - (ref.get(p.iteration) as number));
  return gaps.length === 0 ? Number.NaN : gaps.reduce((a, b) => a + b, 0) / gaps.length;
}

/**
 * Annotated patches a strategy needed before its mean curve first reached `target` (e.g. random's final Dice): the
 * paper's headline comparison. Returns undefined when it never got there.
 */
export function patchesToReach(curve: readonly CurvePoint[], target: number, initialTrain: number): number | undefined {
  const hit = curve.find((p) => p.mean >= target);
  return hit === undefined ? undefined : hit.nTrain - initialTrain;
}

export interface ExperimentOutcome {
  readonly experiment: number;
  /** Area under this experiment's own curve (see `curveArea`). */
  readonly area: number;
  /** Test Dice at the last iteration. */
  readonly final: number;
}

/**
 * One outcome per experiment of a strategy that ran to `lastIteration` (an interrupted experiment would compare a short
 * curve with a long one): the units of a paired comparison, since experiment e of every strategy starts from the same
 * seed and initial set.
 */
export function experimentOutcomes(
  rows: readonly MetricsRow[],
  strategy: string,
  lastIteration: number,
): Map<number, ExperimentOutcome> {
  const experiments = new Set(rows.filter((r) => r.strategy === strategy).map((r) => r.experiment));
  const out = new Map<number, ExperimentOutcome>();
  for (const experiment of [...experiments].sort((a, b) => a - b)) {
    const curve = curveByIteration(
      rows.filter((r) => r.experiment === experiment),
      strategy,
    );
    const last = curve[curve.length - 1];
    if (!last || last.iteration !== lastIteration || curve.length !== lastIteration + 1) continue;
    out.set(experiment, { experiment, area: curveArea(curve), final: last.mean });
  }
  return out;
}
