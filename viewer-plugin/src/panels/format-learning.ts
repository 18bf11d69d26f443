import type { AnnotationLearning, LearningReport } from '@activeseg/protocol';
import { SOURCE_LABELS } from '@activeseg/shared';

/** "42 s" under a minute, "3.5 min" above. */
export function formatDuration(seconds: number): string {
  return seconds < 60 ? `${Math.round(seconds)} s` : `${(seconds / 60).toFixed(1)} min`;
}

/** The newest version's probe estimate in words, or why there is none yet. */
export function estimateLine(report: LearningReport): string {
  const latest = report.versions.findLast((v) => v.dice.value !== null);
  if (!latest || latest.dice.value === null) {
    return 'No estimate yet: annotate some suggestions (a few of them are random probes that measure the model).';
  }
  const { value, lo, hi, n } = latest.dice;
  const borrowed =
    latest.pooledVersions.length > 1 || latest.pooledVersions[0] !== latest.modelVersion
      ? `, pooled with v${latest.pooledVersions.filter((v) => v !== latest.modelVersion).join(', v')}`
      : '';
  return `Estimated Dice of v${latest.modelVersion} on this slide: ${value.toFixed(2)} (95% CI ${lo?.toFixed(2)}–${hi?.toFixed(2)}, ${n} probe${n === 1 ? '' : 's'}${borrowed})`;
}

/** Total active time and the typical time per patch. */
export function timeLine(report: LearningReport): string {
  const timed = report.annotations.filter((a) => a.activeSeconds !== null);
  if (timed.length === 0) return 'No annotation time recorded yet.';
  const sorted = timed.map((a) => a.activeSeconds as number).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return `Annotated ${formatDuration(report.minutesAnnotated * 60)} over ${timed.length} patch${timed.length === 1 ? '' : 'es'} (median ${formatDuration(median)} per patch)`;
}

/** One annotation as a list row: where it came from, how the model did before it, what it cost. */
export function annotationLine(a: AnnotationLearning): string {
  const score = a.preAnnotation
    ? `Dice ${a.preAnnotation.dice.toFixed(2)} (P ${a.preAnnotation.precision.toFixed(2)}, R ${a.preAnnotation.recall.toFixed(2)})`
    : a.pending
      ? 'score pending (no prediction yet)'
      : 'no score (model version unknown)';
  const cost = a.activeSeconds === null ? '' : ` · ${formatDuration(a.activeSeconds)}`;
  return `${SOURCE_LABELS[a.source]} · ${score}${cost} · ${a.objects} object${a.objects === 1 ? '' : 's'}`;
}
