import type { PixelSize } from '@activeseg/protocol';
import type { Db } from './sqlite.js';

export interface SlideRecord {
  id: string;
  name: string;
  sourcePath: string;
  /** Relative to the project folder when it is a converted pyramid, absolute otherwise. */
  readPath: string;
  width: number;
  height: number;
  format: string;
  createdAt: string;
  pixelSize?: PixelSize | undefined;
  warnings?: string[] | undefined;
  /** z sections of a volume, all of width × height; absent or 1 for a 2D slide. */
  sections?: number | undefined;
}

export interface SlidesRepo {
  insert(slide: SlideRecord): void;
  get(id: string): SlideRecord | undefined;
  list(): SlideRecord[];
  /** Deletes the slide and, through ON DELETE CASCADE, its annotations, patch rows and scores. */
  delete(id: string): boolean;
}

interface SlideRow {
  id: string;
  name: string;
  source_path: string;
  read_path: string;
  width: number;
  height: number;
  format: string;
  created_at: string;
  pixel_size_x_um: number | null;
  pixel_size_y_um: number | null;
  warnings: string | null;
  sections: number;
}

const toRecord = (r: SlideRow): SlideRecord => ({
  id: r.id,
  name: r.name,
  sourcePath: r.source_path,
  readPath: r.read_path,
  width: r.width,
  height: r.height,
  format: r.format,
  createdAt: r.created_at,
  ...(r.pixel_size_x_um !== null && r.pixel_size_y_um !== null
    ? { pixelSize: { x: r.pixel_size_x_um, y: r.pixel_size_y_um, unit: 'µm' as const } }
    : {}),
  ...(r.warnings ? { warnings: JSON.parse(r.warnings) as string[] } : {}),
  sections: r.sections,
});

export function createSlidesRepo(db: Db): SlidesRepo {
  const insert = db.prepare(
    `INSERT INTO slides (id, name, source_path, read_path, width, height, format, created_at,
       pixel_size_x_um, pixel_size_y_um, warnings, sections)
     VALUES (@id, @name, @sourcePath, @readPath, @width, @height, @format, @createdAt,
       @pixelSizeX, @pixelSizeY, @warnings, @sections)`,
  );
  const get = db.prepare<[string], SlideRow>('SELECT * FROM slides WHERE id = ?');
  const list = db.prepare<[], SlideRow>('SELECT * FROM slides ORDER BY created_at, id');
  const remove = db.prepare<[string]>('DELETE FROM slides WHERE id = ?');
  return {
    insert: ({ pixelSize, warnings, sections, ...slide }) =>
      void insert.run({
        ...slide,
        sections: sections ?? 1,
        pixelSizeX: pixelSize?.x ?? null,
        pixelSizeY: pixelSize?.y ?? null,
        warnings: warnings?.length ? JSON.stringify(warnings) : null,
      }),
    get: (id) => {
      const row = get.get(id);
      return row && toRecord(row);
    },
    list: () => list.all().map(toRecord),
    delete: (id) => remove.run(id).changes > 0,
  };
}
