import type { Db } from './sqlite.js';

export interface AnnotationPatchRecord {
  col: number;
  row: number;
  size: number;
  coveredPixels: number;
}

export interface AnnotationRecord {
  id: string;
  slideId: string;
  clientId: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Relative to the project folder. */
  maskPath: string;
  foregroundPixels: number;
  createdAt: string;
  patches: AnnotationPatchRecord[];
  /** 1 for a first version; an edit is the version it supersedes + 1. */
  version: number;
  /** The annotation this one replaces (kept as history), when it is an edit. */
  supersedes?: string | undefined;
  /** Set on history rows: the edit that replaced this version. */
  supersededBy?: string | undefined;
  /** How the label was made, when the store records it (a column a later migration may add). */
  source?: string | undefined;
  /** Section of a volume the annotation lies on; absent on insert = 0. Always set on records read back. */
  z?: number;
}

/** One annotation's contribution to one grid cell, for assembling training patches. */
export interface CellAnnotation {
  annotationId: string;
  x: number;
  y: number;
  width: number;
  height: number;
  maskPath: string;
}

export interface AnnotationsRepo {
  /**
   * Inserts the annotation and its patch rows in one transaction. Throws on a duplicate clientId. With
   * `supersedes`, the same transaction marks that version as history and drops its patch rows (it no longer
   * trains), and fails with `superseded` when another edit got there first.
   */
  insert(annotation: AnnotationRecord): void;
  get(id: string): AnnotationRecord | undefined;
  getByClientId(clientId: string): AnnotationRecord | undefined;
  /** The slide's current annotations (history rows excluded), oldest first. */
  listBySlide(slideId: string): AnnotationRecord[];
  /** Every version of the slide's annotations, history included, oldest first. */
  listHistoryBySlide(slideId: string): AnnotationRecord[];
  /** The annotation and every version before and after it, oldest first (empty for an unknown id). */
  listVersions(id: string): AnnotationRecord[];
  /** Deletes every version of the annotation `id` belongs to, with their patch rows, in one transaction. */
  deleteVersions(id: string): AnnotationRecord[];
  /** Distinct annotated cells over all slides and sections (training set), in a stable order. */
  listAnnotatedCells(): { slideId: string; col: number; row: number; size: number; z: number }[];
  /** Annotations covering a cell of section `z` (default 0), oldest first, so later labels overwrite earlier ones. */
  listForCell(slideId: string, col: number, row: number, z?: number): CellAnnotation[];
  count(): number;
}

interface AnnotationRow {
  id: string;
  slide_id: string;
  client_id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  mask_path: string;
  foreground_pixels: number;
  created_at: string;
  version: number;
  supersedes: string | null;
  superseded_by: string | null;
  /** From `annotation_learning` (migration 0003); null for annotations stored before it. */
  source?: string | null;
  z: number;
}

/** An edit raced another edit of the same version: only one of them may supersede it. */
export class AnnotationSupersededError extends Error {
  override readonly name = 'AnnotationSupersededError';
  constructor(
    readonly id: string,
    readonly supersededBy: string,
  ) {
    super(`annotation ${id} was already replaced by ${supersededBy}`);
  }
}

interface PatchRow {
  col: number;
  row: number;
  size: number;
  covered_pixels: number;
}

export function createAnnotationsRepo(db: Db): AnnotationsRepo {
  const insertAnnotation = db.prepare(
    `INSERT INTO annotations (id, slide_id, client_id, x, y, width, height, mask_path, foreground_pixels, created_at,
                              version, supersedes, z)
     VALUES (@id, @slideId, @clientId, @x, @y, @width, @height, @maskPath, @foregroundPixels, @createdAt,
             @version, @supersedes, @z)`,
  );
  const markSuperseded = db.prepare<[string, string]>(
    'UPDATE annotations SET superseded_by = ? WHERE id = ? AND superseded_by IS NULL',
  );
  const dropPatches = db.prepare<[string]>('DELETE FROM annotation_patches WHERE annotation_id = ?');
  const deleteRow = db.prepare<[string]>('DELETE FROM annotations WHERE id = ?');
  const insertPatch = db.prepare(
    `INSERT INTO annotation_patches (annotation_id, slide_id, col, row, size, covered_pixels, z)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const byId = db.prepare<[string], AnnotationRow>(
    'SELECT a.*, l.source AS source FROM annotations a LEFT JOIN annotation_learning l ON l.annotation_id = a.id WHERE a.id = ?',
  );
  const byClient = db.prepare<[string], AnnotationRow>('SELECT * FROM annotations WHERE client_id = ?');
  const bySlide = db.prepare<[string], AnnotationRow>(
    `SELECT a.*, l.source AS source FROM annotations a LEFT JOIN annotation_learning l ON l.annotation_id = a.id
     WHERE a.slide_id = ? AND a.superseded_by IS NULL ORDER BY a.created_at, a.rowid`,
  );
  const historyBySlide = db.prepare<[string], AnnotationRow>(
    `SELECT a.*, l.source AS source FROM annotations a LEFT JOIN annotation_learning l ON l.annotation_id = a.id
     WHERE a.slide_id = ? ORDER BY a.created_at, a.rowid`,
  );
  // Walks `supersedes` back to the first version, then forward through every edit of it.
  const versions = db.prepare<[string], AnnotationRow>(
    `WITH RECURSIVE back(id, supersedes) AS (
       SELECT id, supersedes FROM annotations WHERE id = ?
       UNION SELECT a.id, a.supersedes FROM annotations a JOIN back b ON a.id = b.supersedes
     ), root(id) AS (SELECT id FROM back WHERE supersedes IS NULL),
     fwd(id) AS (
       SELECT id FROM root
       UNION SELECT a.id FROM annotations a JOIN fwd f ON a.supersedes = f.id
     )
     SELECT a.* FROM annotations a JOIN fwd f ON a.id = f.id ORDER BY a.version, a.rowid`,
  );
  const patchesOf = db.prepare<[string], PatchRow>(
    'SELECT col, row, size, covered_pixels FROM annotation_patches WHERE annotation_id = ? ORDER BY row, col',
  );
  const cells = db.prepare<[], { slide_id: string; col: number; row: number; size: number; z: number }>(
    'SELECT DISTINCT slide_id, z, col, row, size FROM annotation_patches ORDER BY slide_id, z, row, col',
  );
  const forCell = db.prepare<[string, number, number, number], AnnotationRow>(
    `SELECT a.* FROM annotations a JOIN annotation_patches p ON p.annotation_id = a.id
     WHERE p.slide_id = ? AND p.col = ? AND p.row = ? AND p.z = ? ORDER BY a.rowid`,
  );
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM annotations');

  const toRecord = (r: AnnotationRow): AnnotationRecord => ({
    id: r.id,
    slideId: r.slide_id,
    clientId: r.client_id,
    x: r.x,
    y: r.y,
    width: r.width,
    height: r.height,
    maskPath: r.mask_path,
    foregroundPixels: r.foreground_pixels,
    createdAt: r.created_at,
    z: r.z,
    patches: patchesOf
      .all(r.id)
      .map((p) => ({ col: p.col, row: p.row, size: p.size, coveredPixels: p.covered_pixels })),
    version: r.version,
    ...(r.supersedes === null ? {} : { supersedes: r.supersedes }),
    ...(r.superseded_by === null ? {} : { supersededBy: r.superseded_by }),
    ...(typeof r.source === 'string' ? { source: r.source } : {}),
  });

  const insert = db.transaction((a: AnnotationRecord) => {
    const { id, slideId, clientId, x, y, width, height, maskPath, foregroundPixels, createdAt, version } = a;
    const supersedes = a.supersedes ?? null;
    const z = a.z ?? 0;
    insertAnnotation.run({
      id,
      slideId,
      clientId,
      x,
      y,
      width,
      height,
      maskPath,
      foregroundPixels,
      createdAt,
      version,
      supersedes,
      z,
    });
    if (supersedes !== null && markSuperseded.run(id, supersedes).changes === 0) {
      throw new AnnotationSupersededError(supersedes, byId.get(supersedes)?.superseded_by ?? 'another edit');
    }
    if (supersedes !== null) dropPatches.run(supersedes);
    for (const p of a.patches) insertPatch.run(id, slideId, p.col, p.row, p.size, p.coveredPixels, z);
  });

  const deleteAll = db.transaction((id: string): AnnotationRecord[] => {
    const chain = versions.all(id).map(toRecord);
    // The first version's row cascades to every later one (supersedes … ON DELETE CASCADE) and to patch rows.
    const root = chain[0];
    if (root) deleteRow.run(root.id);
    return chain;
  });

  return {
    insert: (a) => insert(a),
    get: (id) => {
      const r = byId.get(id);
      return r && toRecord(r);
    },
    getByClientId: (clientId) => {
      const r = byClient.get(clientId);
      return r && toRecord(r);
    },
    listBySlide: (slideId) => bySlide.all(slideId).map(toRecord),
    listHistoryBySlide: (slideId) => historyBySlide.all(slideId).map(toRecord),
    listVersions: (id) => versions.all(id).map(toRecord),
    deleteVersions: (id) => deleteAll(id),
    listAnnotatedCells: () =>
      cells.all().map((c) => ({ slideId: c.slide_id, col: c.col, row: c.row, size: c.size, z: c.z })),
    listForCell: (slideId, col, row, z = 0) =>
      forCell.all(slideId, col, row, z).map((r) => ({
        annotationId: r.id,
        x: r.x,
        y: r.y,
        width: r.width,
        height: r.height,
        maskPath: r.mask_path,
      })),
    count: () => count.get()?.n ?? 0,
  };
}
