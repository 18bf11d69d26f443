import type { AnnotationSource } from '@activeseg/protocol';
import type { ConfusionCounts } from '@activeseg/shared';
import type { Db } from './sqlite.js';

/** What an annotation tells about learning: its cost, where it came from, and how the model did on it beforehand. */
export interface AnnotationLearningRecord {
  annotationId: string;
  slideId: string;
  /** Version whose prediction the person saw; null when the client did not say (never scored). */
  modelVersion: number | null;
  activeSeconds: number | null;
  strokes: number | null;
  source: AnnotationSource;
  /** Connected components (8-connected) of the label's foreground. */
  objects: number;
  /** Pre-annotation confusion counts on the annotated pixels; null while the prediction is missing. */
  counts: ConfusionCounts | null;
}

/** A learning row with the annotation's time, for the learning view. */
export interface AnnotationLearningRow extends AnnotationLearningRecord {
  createdAt: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LearningRepo {
  insert(record: AnnotationLearningRecord): void;
  get(annotationId: string): AnnotationLearningRecord | undefined;
  /** Oldest first. */
  listBySlide(slideId: string): AnnotationLearningRow[];
  /** Rows with a model version and no score yet (their prediction was missing when they were saved). */
  listPending(slideId?: string): AnnotationLearningRow[];
  setCounts(annotationId: string, counts: ConfusionCounts): void;
  /** Remembers a cell served as a random probe; the first serving is kept. */
  markProbe(cell: { slideId: string; col: number; row: number; modelVersion: number }): void;
  isProbe(slideId: string, col: number, row: number): boolean;
  /**
   * Cells of the slide scored at `modelVersion` (so not blank) that no annotation touches, the probes' pool, packed
   * as `packCell` numbers: a gigapixel slide has tens of thousands, read on every list request.
   */
  unannotatedCells(slideId: string, modelVersion: number): number[];
  /** Versions the project has had: trained or imported ones, and any version that scored a slide. */
  knownModelVersions(): number[];
  getSetting(key: string): string | undefined;
  setSetting(key: string, value: string): void;
}

/** Rows per column in a packed cell: 2^20 rows of 512 px is far beyond any slide. */
const CELL_ROWS = 1 << 20;

/** A grid cell as one number (`col × 2^20 + row`), as `unannotatedCells` returns them. */
export function packCell(col: number, row: number): number {
  return col * CELL_ROWS + row;
}

export function unpackCell(packed: number): { col: number; row: number } {
  const row = packed % CELL_ROWS;
  return { col: (packed - row) / CELL_ROWS, row };
}

interface Row {
  annotation_id: string;
  slide_id: string;
  model_version: number | null;
  active_seconds: number | null;
  strokes: number | null;
  source: AnnotationSource;
  objects: number;
  tp: number | null;
  fp: number | null;
  fn: number | null;
  tn: number | null;
  created_at: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

const toRow = (r: Row): AnnotationLearningRow => ({
  annotationId: r.annotation_id,
  slideId: r.slide_id,
  modelVersion: r.model_version,
  activeSeconds: r.active_seconds,
  strokes: r.strokes,
  source: r.source,
  objects: r.objects,
  counts:
    r.tp === null || r.fp === null || r.fn === null || r.tn === null
      ? null
      : { tp: r.tp, fp: r.fp, fn: r.fn, tn: r.tn },
  createdAt: r.created_at,
  x: r.x,
  y: r.y,
  width: r.width,
  height: r.height,
});

const SELECT = `SELECT l.*, a.created_at, a.x, a.y, a.width, a.height
  FROM annotation_learning l JOIN annotations a ON a.id = l.annotation_id`;

export function createLearningRepo(db: Db): LearningRepo {
  const insert = db.prepare(
    `INSERT INTO annotation_learning (annotation_id, slide_id, model_version, active_seconds, strokes, source, objects)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const byId = db.prepare<[string], Row>(`${SELECT} WHERE l.annotation_id = ?`);
  const bySlide = db.prepare<[string], Row>(`${SELECT} WHERE l.slide_id = ? ORDER BY a.created_at, a.rowid`);
  const pending = db.prepare<[], Row>(
    `${SELECT} WHERE l.model_version IS NOT NULL AND l.tp IS NULL ORDER BY a.created_at, a.rowid`,
  );
  const pendingOf = db.prepare<[string], Row>(
    `${SELECT} WHERE l.slide_id = ? AND l.model_version IS NOT NULL AND l.tp IS NULL ORDER BY a.created_at, a.rowid`,
  );
  const setCounts = db.prepare(
    'UPDATE annotation_learning SET tp = ?, fp = ?, fn = ?, tn = ?, scored_at = ? WHERE annotation_id = ?',
  );
  const markProbe = db.prepare(
    `INSERT INTO probe_cells (slide_id, col, row, model_version, served_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (slide_id, col, row) DO NOTHING`,
  );
  const isProbe = db.prepare<[string, number, number], { one: number }>(
    'SELECT 1 AS one FROM probe_cells WHERE slide_id = ? AND col = ? AND row = ?',
  );
  const known = db.prepare<[], { v: number }>(
    'SELECT version AS v FROM model_versions UNION SELECT DISTINCT model_version AS v FROM scores ORDER BY v',
  );
  const unannotated = db
    .prepare<[string, number], number>(
      `SELECT s.col * ${CELL_ROWS} + s.row FROM scores s
     WHERE s.slide_id = ? AND s.model_version = ?
       AND NOT EXISTS (SELECT 1 FROM annotation_patches p
                       WHERE p.slide_id = s.slide_id AND p.col = s.col AND p.row = s.row)`,
    )
    .pluck();
  const getSetting = db.prepare<[string], { value: string }>('SELECT value FROM project_settings WHERE key = ?');
  const setSetting = db.prepare(
    'INSERT INTO project_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  return {
    insert: (r) =>
      void insert.run(r.annotationId, r.slideId, r.modelVersion, r.activeSeconds, r.strokes, r.source, r.objects),
    get: (id) => {
      const r = byId.get(id);
      return r && toRow(r);
    },
    listBySlide: (slideId) => bySlide.all(slideId).map(toRow),
    listPending: (slideId) => (slideId === undefined ? pending.all() : pendingOf.all(slideId)).map(toRow),
    setCounts: (id, c) => void setCounts.run(c.tp, c.fp, c.fn, c.tn, new Date().toISOString(), id),
    markProbe: (c) => void markProbe.run(c.slideId, c.col, c.row, c.modelVersion, new Date().toISOString()),
    isProbe: (slideId, col, row) => isProbe.get(slideId, col, row) !== undefined,
    unannotatedCells: (slideId, v) => unannotated.all(slideId, v),
    knownModelVersions: () => known.all().map((r) => r.v),
    getSetting: (key) => getSetting.get(key)?.value,
    setSetting: (key, value) => void setSetting.run(key, value),
  };
}
