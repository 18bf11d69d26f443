import type { LearningReport } from '@activeseg/protocol';
import { csvCell } from '../simulate/metrics-row.js';

export const LEARNING_CSV_COLUMNS = [
  'annotation_id',
  'created_at',
  'source',
  'model_version',
  'x',
  'y',
  'width',
  'height',
  'active_seconds',
  'strokes',
  'objects',
  'pre_dice',
  'pre_precision',
  'pre_recall',
  'pending',
] as const;

/** One row per annotation of the report, oldest first, for a lab notebook or a spreadsheet. */
export function learningCsv(report: LearningReport): string {
  const lines: string[] = [LEARNING_CSV_COLUMNS.join(',')];
  for (const a of report.annotations) {
    const cells = [
      a.annotationId,
      a.createdAt,
      a.source,
      a.modelVersion,
      a.region.x,
      a.region.y,
      a.region.width,
      a.region.height,
      a.activeSeconds,
      a.strokes,
      a.objects,
      a.preAnnotation?.dice ?? null,
      a.preAnnotation?.precision ?? null,
      a.preAnnotation?.recall ?? null,
      a.pending,
    ];
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** One row per model version: the probe estimate and its interval. */
export function versionsCsv(report: LearningReport): string {
  const lines = ['model_version,est_dice,est_lo,est_hi,probes_pooled,own_probes,pooled_versions'];
  for (const v of report.versions) {
    lines.push(
      [v.modelVersion, v.dice.value, v.dice.lo, v.dice.hi, v.dice.n, v.probes, v.pooledVersions].map(csvCell).join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
