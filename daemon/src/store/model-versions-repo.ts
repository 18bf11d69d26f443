import type { Db } from './sqlite.js';

export interface ModelVersionRecord {
  version: number;
  mode: string;
  jobId: string | null;
  metrics: Record<string, number> | null;
  createdAt: string;
  /** Fine-tune: the version it started from. */
  parentVersion?: number | null;
  /** Annotations in the project when it was trained. */
  annotationsUsed?: number | null;
  /** Best-epoch validation Dice; null when the run held no validation patches out. */
  valDice?: number | null;
  /** The model current when training ended and its Dice on the same validation patches. */
  comparedWith?: { version: number; valDice: number } | null;
  /** Whether training made it current (default true: rows written before the promotion rule). */
  promoted?: boolean;
  warning?: string | null;
}

export interface ModelVersionsRepo {
  insert(record: ModelVersionRecord): void;
  latest(): ModelVersionRecord | undefined;
  list(): ModelVersionRecord[];
}

interface Row {
  version: number;
  mode: string;
  job_id: string | null;
  metrics_json: string | null;
  created_at: string;
  parent_version: number | null;
  annotations_used: number | null;
  val_dice: number | null;
  compared_version: number | null;
  compared_val_dice: number | null;
  promoted: number;
  warning: string | null;
}

const toRecord = (r: Row): ModelVersionRecord => ({
  version: r.version,
  mode: r.mode,
  jobId: r.job_id,
  metrics: r.metrics_json === null ? null : (JSON.parse(r.metrics_json) as Record<string, number>),
  createdAt: r.created_at,
  parentVersion: r.parent_version,
  annotationsUsed: r.annotations_used,
  valDice: r.val_dice,
  comparedWith:
    r.compared_version === null || r.compared_val_dice === null
      ? null
      : { version: r.compared_version, valDice: r.compared_val_dice },
  promoted: r.promoted === 1,
  warning: r.warning,
});

export function createModelVersionsRepo(db: Db): ModelVersionsRepo {
  const insert = db.prepare(
    `INSERT INTO model_versions (version, mode, job_id, metrics_json, created_at, parent_version, annotations_used,
       val_dice, compared_version, compared_val_dice, promoted, warning)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const latest = db.prepare<[], Row>('SELECT * FROM model_versions ORDER BY version DESC LIMIT 1');
  const list = db.prepare<[], Row>('SELECT * FROM model_versions ORDER BY version');
  return {
    insert: (r) =>
      void insert.run(
        r.version,
        r.mode,
        r.jobId,
        r.metrics === null ? null : JSON.stringify(r.metrics),
        r.createdAt,
        r.parentVersion ?? null,
        r.annotationsUsed ?? null,
        r.valDice ?? null,
        r.comparedWith?.version ?? null,
        r.comparedWith?.valDice ?? null,
        r.promoted === false ? 0 : 1,
        r.warning ?? null,
      ),
    latest: () => {
      const r = latest.get();
      return r && toRecord(r);
    },
    list: () => list.all().map(toRecord),
  };
}
