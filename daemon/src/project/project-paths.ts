import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Id } from '@activeseg/protocol';

/**
 * The project folder layout, in one place. Every path built from an id goes through `safeSegment`, so a
 * value that did not pass the protocol's Id schema can never reach the filesystem.
 *
 *   activeseg.db                                       SQLite (WAL)
 *   slides/<slideId>/pyramid.tif                       converted tiled pyramid (large non-TIFF inputs only)
 *   slides/<slideId>/upload<.ext>                      a slide file sent with POST /api/uploads
 *   slides/<slideId>/upload-sha256.txt                 its SHA-256 (hex), for the duplicate check (never upload<.ext>)
 *   annotations/<slideId>/<annotationId>.png           region-sized label masks (0/255)
 *   maps/<slideId>/v<model>/<col>_<row>.u8             per-patch mean|std maps, quantised to bytes
 *   cache/tiles/<slideId>/<layer>/v<model>/<level>/<col>_<row>.<ext>   rendered DZI tiles (rebuildable)
 *   Sections z > 0 of a volume add a `z<z>/` folder after `v<model>/` (section 0 keeps the 2D layout).
 */
export interface ProjectPaths {
  readonly root: string;
  readonly db: string;
  pyramid(slideId: string): string;
  /** Where an uploaded slide file is kept; `ext` is `''` or a dot and 1–10 lowercase letters/digits. */
  upload(slideId: string, ext: string): string;
  /** SHA-256 (hex) of an uploaded slide file, beside it: what the duplicate check compares. */
  uploadDigest(slideId: string): string;
  annotationMask(slideId: string, annotationId: string): string;
  /** Every folder that holds files derived from one slide (deleting the slide removes them). */
  slideFolders(slideId: string): string[];
  scoreMap(slideId: string, modelVersion: number, col: number, row: number, z?: number): string;
  tile(t: {
    slideId: string;
    layer: string;
    modelVersion: number;
    level: number;
    col: number;
    row: number;
    ext: string;
    /** Section of a volume; absent = 0. */
    z?: number;
  }): string;
  /** Project-relative form stored in the database (so projects can move). */
  toRelative(absolute: string): string;
  /** Resolves a stored path; refuses anything that escapes the project unless it was stored absolute. */
  fromStored(stored: string): string;
}

function safeSegment(value: string): string {
  const r = Id.safeParse(value);
  if (!r.success) throw new Error(`unsafe path segment ${JSON.stringify(value)}`);
  return r.data;
}

function safeInt(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`unsafe path number ${value}`);
  return String(value);
}

/** The folder a section z > 0 adds; none for section 0, so 2D projects keep their files where they are. */
function sectionSegment(z: number | undefined): string[] {
  return z === undefined || z === 0 ? [] : [`z${safeInt(z)}`];
}

export function createProjectPaths(projectDir: string): ProjectPaths {
  const root = resolve(projectDir);
  return {
    root,
    db: join(root, 'activeseg.db'),
    pyramid: (slideId) => join(root, 'slides', safeSegment(slideId), 'pyramid.tif'),
    upload: (slideId, ext) => {
      if (!/^(\.[a-z0-9]{1,10})?$/.test(ext)) throw new Error(`unsafe file extension ${JSON.stringify(ext)}`);
      return join(root, 'slides', safeSegment(slideId), `upload${ext}`);
    },
    uploadDigest: (slideId) => join(root, 'slides', safeSegment(slideId), 'upload-sha256.txt'),
    slideFolders: (slideId) => {
      const id = safeSegment(slideId);
      return [
        join(root, 'slides', id),
        join(root, 'annotations', id),
        join(root, 'maps', id),
        join(root, 'cache', 'tiles', id),
      ];
    },
    annotationMask: (slideId, annotationId) =>
      join(root, 'annotations', safeSegment(slideId), `${safeSegment(annotationId)}.png`),
    scoreMap: (slideId, v, col, row, z) =>
      join(
        root,
        'maps',
        safeSegment(slideId),
        `v${safeInt(v)}`,
        ...sectionSegment(z),
        `${safeInt(col)}_${safeInt(row)}.u8`,
      ),
    tile: (t) =>
      join(
        root,
        'cache',
        'tiles',
        safeSegment(t.slideId),
        safeSegment(t.layer),
        `v${safeInt(t.modelVersion)}`,
        ...sectionSegment(t.z),
        safeInt(t.level),
        `${safeInt(t.col)}_${safeInt(t.row)}.${safeSegment(t.ext)}`,
      ),
    toRelative: (absolute) => {
      const rel = relative(root, absolute);
      return rel.startsWith('..') || isAbsolute(rel) ? absolute : rel.split(sep).join('/');
    },
    fromStored: (stored) => {
      if (isAbsolute(stored)) return stored;
      const abs = resolve(root, stored);
      if (abs !== root && !abs.startsWith(root + sep)) throw new Error(`stored path escapes the project: ${stored}`);
      return abs;
    },
  };
}
