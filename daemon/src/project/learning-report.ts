import type { AnnotationLearning, Interval, LearningReport, UncertaintyCheck } from '@activeseg/protocol';
import {
  type ConfidenceInterval,
  estimateAccuracy,
  meanDifferenceCi,
  metricsFromCounts,
  PROBE_ESTIMATOR,
  type ProbeObservation,
  stopAdvice,
} from '@activeseg/shared';
import type { AnnotationLearningRow } from '../store/learning-repo.js';

/** Fixed, so the learning view and `activeseg report` show the same digits for the same annotations. */
const BOOTSTRAP_SEED = 13;

export interface LearningReportInput {
  slideId: string;
  /** The slide's learning rows, oldest first. */
  rows: readonly AnnotationLearningRow[];
  /** Model versions the project has had, any order. */
  modelVersions: readonly number[];
}

/**
 * What annotating has bought on this slide: per model version the probe estimate of its Dice (`estimateAccuracy`,
 * the simulator's estimator), every annotation's pre-annotation score and cost, whether uncertainty picks were harder
 * than probes, and the stop hint (`stopAdvice`) with the minutes spent.
 */
export function buildLearningReport(input: LearningReportInput): LearningReport {
  const { rows } = input;
  const probes: ProbeObservation[] = rows.flatMap((r) =>
    r.source === 'random-probe' && r.counts && r.modelVersion !== null
      ? [{ version: r.modelVersion, counts: r.counts }]
      : [],
  );
  const versions = [...new Set([...input.modelVersions, ...probes.map((p) => p.version)])].sort((a, b) => a - b);
  const estimates = versions.map((v) => ({
    v,
    estimate: estimateAccuracy(probes, v, { ...PROBE_ESTIMATOR, seed: BOOTSTRAP_SEED }),
  }));
  const seconds = rows.reduce((s, r) => s + (r.activeSeconds ?? 0), 0);
  const minutesAnnotated = seconds / 60;
  // Only versions with probes of their own: one that borrowed its predecessors' would repeat their estimate and
  // look like a plateau.
  const own = estimates.flatMap(({ v, estimate }) => (estimate && estimate.versions[0] === v ? [estimate.dice] : []));
  const advice = stopAdvice(own, { minProbes: PROBE_ESTIMATOR.minProbes });
  return {
    slideId: input.slideId,
    versions: estimates.map(({ v, estimate }) => ({
      modelVersion: v,
      dice: toInterval(estimate?.dice),
      probes: probes.filter((p) => p.version === v).length,
      pooledVersions: estimate ? [...estimate.versions] : [],
    })),
    annotations: rows.map(toAnnotation),
    uncertaintyCheck: uncertaintyCheck(rows),
    stop: {
      state: advice.state,
      message:
        advice.state === 'stop'
          ? `${advice.message}; ${formatMinutes(minutesAnnotated)} annotated so far`
          : advice.message,
    },
    minutesAnnotated,
  };
}

function toAnnotation(r: AnnotationLearningRow): AnnotationLearning {
  const m = r.counts && metricsFromCounts(r.counts);
  return {
    annotationId: r.annotationId,
    createdAt: r.createdAt,
    region: { x: r.x, y: r.y, width: r.width, height: r.height },
    source: r.source,
    modelVersion: r.modelVersion,
    activeSeconds: r.activeSeconds,
    strokes: r.strokes,
    objects: r.objects,
    preAnnotation: m ? { dice: m.dice, precision: m.precision, recall: m.sensitivity } : null,
    pending: r.modelVersion !== null && r.counts === null,
  };
}

/** Uncertainty picks should be harder for the model than random probes; when they are not, it is said plainly. */
export function uncertaintyCheck(rows: readonly AnnotationLearningRow[]): UncertaintyCheck {
  const diceOf = (source: string) =>
    rows.flatMap((r) => (r.source === source && r.counts ? [metricsFromCounts(r.counts).dice] : []));
  const picks = diceOf('uncertainty');
  const probes = diceOf('random-probe');
  const difference = meanDifferenceCi(picks, probes, { seed: BOOTSTRAP_SEED });
  const interval = toInterval(difference);
  const n = `${picks.length} uncertainty picks, ${probes.length} probes`;
  if (picks.length < PROBE_ESTIMATOR.minProbes || probes.length < PROBE_ESTIMATOR.minProbes) {
    return {
      state: 'too-early',
      difference: interval,
      message: `too few scored annotations to compare uncertainty picks with random probes (${n}; needs ${PROBE_ESTIMATOR.minProbes} of each)`,
    };
  }
  const ci = `${signed(difference.value)} (95% CI ${signed(difference.lo)} to ${signed(difference.hi)}; ${n})`;
  return difference.hi < 0
    ? {
        state: 'informative',
        difference: interval,
        message: `uncertainty picks are harder than random probes: pre-annotation Dice ${ci}`,
      }
    : {
        state: 'not-informative',
        difference: interval,
        message: `uncertainty is not informative on this slide: its picks are not harder than random probes (pre-annotation Dice ${ci})`,
      };
}

function toInterval(ci: ConfidenceInterval | undefined): Interval {
  const finite = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? null : v);
  return { value: finite(ci?.value), lo: finite(ci?.lo), hi: finite(ci?.hi), n: ci?.n ?? 0 };
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;
}

export function formatMinutes(minutes: number): string {
  return minutes < 1 ? `${Math.round(minutes * 60)} s` : `${minutes.toFixed(1)} min`;
}
