import type { Db } from './sqlite.js';

export interface ScoreRecord {
  slideId: string;
  modelVersion: number;
  /** Section of a volume; absent on upsert = 0 (2D slides). Always set on records read back. */
  z?: number;
  col: number;
  row: number;
  size: number;
  score: number;
  /** Patch averages of the mean probability and MC std, for overview levels where maps are too fine. */
  meanFg: number;
  meanStd: number;
  /** Relative to the project folder; written atomically before this row is inserted. */
  mapPath: string;
  createdAt: string;
}

export interface ScoresRepo {
  upsert(record: ScoreRecord): void;
  /** Latest model version with any score for the slide. */
  latestVersion(slideId: string): number | undefined;
  /**
   * The version a slide's overlays and suggestions show: `current` (the model the daemon serves) when the slide has
   * scores at it, so a rollback shows the older model's overlay again; else the latest scored one.
   */
  shownVersion(slideId: string, current: number): number | undefined;
  /** Whether the slide has any score at this model version. */
  hasVersion(slideId: string, modelVersion: number): boolean;
  get(slideId: string, modelVersion: number, col: number, row: number, z?: number): ScoreRecord | undefined;
  /** Highest scores first across every section, skipping cells (of the same section) that already have an annotation. */
  topUnannotated(slideId: string, modelVersion: number, k: number): ScoreRecord[];
  /**
   * Multiplies the stored scores of these cells by `factor`, in one transaction (a two-phase inference calibrating its
   * quick scores against the cells it scored again in full).
   */
  rescale(
    slideId: string,
    modelVersion: number,
    cells: readonly { col: number; row: number; z?: number }[],
    factor: number,
  ): void;
  /** Scores of one section (default 0) inside the cell range. */
  listInRange(
    slideId: string,
    modelVersion: number,
    range: { col0: number; col1: number; row0: number; row1: number },
    z?: number,
  ): ScoreRecord[];
}

interface Row {
  slide_id: string;
  model_version: number;
  z: number;
  col: number;
  row: number;
  size: number;
  score: number;
  mean_fg: number;
  mean_std: number;
  map_path: string;
  created_at: string;
}

const toRecord = (r: Row): ScoreRecord => ({
  slideId: r.slide_id,
  modelVersion: r.model_version,
  z: r.z,
  col: r.col,
  row: r.row,
  size: r.size,
  score: r.score,
  meanFg: r.mean_fg,
  meanStd: r.mean_std,
  mapPath: r.map_path,
  createdAt: r.created_at,
});

export function createScoresRepo(db: Db): ScoresRepo {
  const upsert = db.prepare(
    `INSERT INTO scores (slide_id, model_version, z, col, row, size, score, mean_fg, mean_std, map_path, created_at)
     VALUES (@slideId, @modelVersion, @z, @col, @row, @size, @score, @meanFg, @meanStd, @mapPath, @createdAt)
     ON CONFLICT (slide_id, model_version, z, col, row) DO UPDATE SET
       score = excluded.score, mean_fg = excluded.mean_fg, mean_std = excluded.mean_std,
       map_path = excluded.map_path, created_at = excluded.created_at`,
  );
  const latest = db.prepare<[string], { v: number | null }>(
    'SELECT MAX(model_version) AS v FROM scores WHERE slide_id = ?',
  );
  const anyAt = db.prepare<[string, number], { one: number }>(
    'SELECT 1 AS one FROM scores WHERE slide_id = ? AND model_version = ? LIMIT 1',
  );
  const get = db.prepare<[string, number, number, number, number], Row>(
    'SELECT * FROM scores WHERE slide_id = ? AND model_version = ? AND col = ? AND row = ? AND z = ?',
  );
  const top = db.prepare<[string, number, number], Row>(
    `SELECT s.* FROM scores s
     WHERE s.slide_id = ? AND s.model_version = ?
       AND NOT EXISTS (SELECT 1 FROM annotation_patches p
                       WHERE p.slide_id = s.slide_id AND p.z = s.z AND p.col = s.col AND p.row = s.row)
     ORDER BY s.score DESC, s.z, s.row, s.col LIMIT ?`,
  );
  const scale = db.prepare<[number, string, number, number, number, number]>(
    'UPDATE scores SET score = score * ? WHERE slide_id = ? AND model_version = ? AND z = ? AND col = ? AND row = ?',
  );
  const range = db.prepare<[string, number, number, number, number, number, number], Row>(
    `SELECT * FROM scores WHERE slide_id = ? AND model_version = ? AND z = ?
     AND col BETWEEN ? AND ? AND row BETWEEN ? AND ?`,
  );
  return {
    upsert: (r) => void upsert.run({ ...r, z: r.z ?? 0 }),
    latestVersion: (slideId) => latest.get(slideId)?.v ?? undefined,
    hasVersion: (slideId, v) => anyAt.get(slideId, v) !== undefined,
    shownVersion: (slideId, current) =>
      current > 0 && anyAt.get(slideId, current) !== undefined ? current : (latest.get(slideId)?.v ?? undefined),
    get: (slideId, v, col, row, z = 0) => {
      const r = get.get(slideId, v, col, row, z);
      return r && toRecord(r);
    },
    topUnannotated: (slideId, v, k) => top.all(slideId, v, k).map(toRecord),
    rescale: db.transaction(
      (slideId: string, v: number, cells: readonly { col: number; row: number; z?: number }[], factor: number) => {
        for (const c of cells) scale.run(factor, slideId, v, c.z ?? 0, c.col, c.row);
      },
    ),
    listInRange: (slideId, v, r, z = 0) => range.all(slideId, v, z, r.col0, r.col1, r.row0, r.row1).map(toRecord),
  };
}
