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
  /** Inserts the annotation and its patch rows in one transaction. Throws on a duplicate clientId. */
  insert(annotation: AnnotationRecord): void;
  get(id: string): AnnotationRecord | undefined;
  getByClientId(clientId: string): AnnotationRecord | undefined;
  listBySlide(slideId: string): AnnotationRecord[];
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
  z: number;
}

interface PatchRow {
  col: number;
  row: number;
  size: number;
  covered_pixels: number;
}

export function createAnnotationsRepo(db: Db): AnnotationsRepo {
  const insertAnnotation = db.prepare(
    `INSERT INTO annotations (id, slide_id, client_id, x, y, width, height, mask_path, foreground_pixels, created_at, z)
     VALUES (@id, @slideId, @clientId, @x, @y, @width, @height, @maskPath, @foregroundPixels, @createdAt, @z)`,
  );
  const insertPatch = db.prepare(
    `INSERT INTO annotation_patches (annotation_id, slide_id, col, row, size, covered_pixels, z)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const byId = db.prepare<[string], AnnotationRow>('SELECT * FROM annotations WHERE id = ?');
  const byClient = db.prepare<[string], AnnotationRow>('SELECT * FROM annotations WHERE client_id = ?');
  const bySlide = db.prepare<[string], AnnotationRow>(
    'SELECT * FROM annotations WHERE slide_id = ? ORDER BY created_at, rowid',
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
  });

  const insert = db.transaction((a: AnnotationRecord) => {
    const { patches, z = 0, ...row } = a;
    insertAnnotation.run({ ...row, z });
    for (const p of patches) insertPatch.run(a.id, a.slideId, p.col, p.row, p.size, p.coveredPixels, z);
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
