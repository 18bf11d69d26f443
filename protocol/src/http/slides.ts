import { z } from 'zod';
import { MAX_SLIDE_SECTIONS } from '../geometry.js';
import { Id } from '../ids.js';

/** Physical size of one level-0 pixel, always in micrometres (OME units are converted on ingest). */
export const PixelSize = z.object({
  x: z.number().positive().finite(),
  y: z.number().positive().finite(),
  unit: z.literal('µm'),
});
export type PixelSize = z.infer<typeof PixelSize>;

/** The slide's display pyramid as served by the daemon (`GET /api/slides/:slideId/image.dzi` describes the same). */
export const SlideInfo = z.object({
  id: Id,
  name: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** DZI tile edge in pixels (tiles have no overlap). */
  tileSize: z.number().int().positive(),
  /** Number of DZI levels; level `levels - 1` is full resolution. */
  levels: z.number().int().positive(),
  /** Source format as detected on ingest (e.g. `png`, `tiff`). */
  format: z.string(),
  /** ISO 8601. */
  createdAt: z.string(),
  /** From OME metadata (OME-Zarr axes/scale, OME-TIFF OME-XML) or given when the slide was added; absent when unknown. */
  pixelSize: PixelSize.optional(),
  /** Things the biologist should know about how the slide is read (e.g. chunks missing from an OME-Zarr, read as fill). */
  warnings: z.array(z.string()).optional(),
  /**
   * Number of z sections of a volume (OME-Zarr z axis, multi-page TIFF stack, folder of sections); every section has
   * the same width and height. Absent means 1: a 2D slide (and what a daemon older than volumes sends).
   */
  sections: z.number().int().positive().max(MAX_SLIDE_SECTIONS).optional(),
});
export type SlideInfo = z.infer<typeof SlideInfo>;

/** Sections of a slide, 1 when `sections` is absent (2D slides and old daemons). */
export function sectionCount(slide: { sections?: number | undefined }): number {
  return slide.sections ?? 1;
}

export const SlideList = z.object({ slides: z.array(SlideInfo) });
export type SlideList = z.infer<typeof SlideList>;

/**
 * `POST /api/slides`: add a slide from a file the daemon can read (the daemon runs on the biologist's machine), or
 * from an OME-Zarr directory (NGFF v0.4 or v0.5).
 */
export const AddSlideRequest = z.object({
  path: z.string().min(1).max(4096),
  /** Display name; defaults to the file name. */
  name: z.string().min(1).max(256).optional(),
  /** Pixel size of level 0; overrides the file's OME metadata (which is often a writer's default of 1). */
  pixelSize: PixelSize.optional(),
});
export type AddSlideRequest = z.infer<typeof AddSlideRequest>;

/**
 * `POST /api/uploads?name=<file name>[&size=<bytes>][&duplicate=refuse]`: add a slide from the raw bytes in the body (`application/octet-stream`),
 * for browsers that cannot name a path on the daemon's machine. `name` is the display name; its extension is kept
 * on the stored file. A bare file name only: no path separators, no NUL or control characters, not `.`/`..`.
 */
export const UploadSlideQuery = z.object({
  name: z
    .string()
    .min(1)
    .max(256)
    .refine((n) => !/[/\\]/.test(n), 'name must be a file name without path separators')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
    .refine((n) => !/[\u0000-\u001f\u007f]/.test(n), 'name must not contain control characters')
    .refine((n) => n !== '.' && n !== '..', 'name must not be . or ..'),
  /** The file's size in bytes as the sender knows it; fewer bytes arriving is UPLOAD_TRUNCATED, not a slide. */
  size: z.coerce.number().int().nonnegative().optional(),
  /**
   * What to do when the bytes equal a slide already in the project (SHA-256 computed while streaming):
   * `refuse` answers SLIDE_DUPLICATE naming that slide and keeps nothing, so the viewer can ask; `add` adds it again.
   */
  duplicate: z.enum(['add', 'refuse']).default('add'),
});
export type UploadSlideQuery = z.infer<typeof UploadSlideQuery>;

/**
 * `DELETE /api/slides/:slideId?force=true`: removes the slide's rows and every file derived from it (uploaded copy,
 * converted pyramid, annotation masks, score maps, cached tiles) to free space; a slide added by path keeps its
 * source file. Annotations are the user's work: without `force=true` a slide that has any is refused
 * (SLIDE_HAS_ANNOTATIONS) so the viewer can ask first.
 */
export const DeleteSlideQuery = z.object({ force: z.enum(['true', 'false']).optional() });
export type DeleteSlideQuery = z.infer<typeof DeleteSlideQuery>;

export const DeleteSlideResult = z.object({
  id: Id,
  /** Annotations deleted with the slide (0 unless `force=true`). */
  deletedAnnotations: z.number().int().nonnegative(),
});
export type DeleteSlideResult = z.infer<typeof DeleteSlideResult>;

/** Path parameters of slide routes. */
export const SlideParams = z.object({ slideId: Id });
export type SlideParams = z.infer<typeof SlideParams>;

/** Layers a tile route can serve. `image` is the slide; the others are model overlays. */
export const TileLayer = z.enum(['image', 'uncertainty', 'prediction']);
export type TileLayer = z.infer<typeof TileLayer>;

/** Path parameters of `GET /api/slides/:slideId/tiles/:layer/:level/:tile` where `:tile` is `<col>_<row>.<ext>`. */
export const TileParams = z.object({
  slideId: Id,
  layer: TileLayer,
  level: z.coerce.number().int().nonnegative(),
  tile: z.string().regex(/^\d{1,7}_\d{1,7}\.(jpeg|jpg|png)$/, 'tile must look like <col>_<row>.<jpeg|png>'),
});
export type TileParams = z.infer<typeof TileParams>;

/**
 * Query of the tile route. `v` pins an overlay to a model version (the viewer puts it in every overlay URL so
 * caches are exact); without it the latest scored version is served. At most 9 digits: model versions count
 * training runs, and a longer number can only be a mistake or a probe.
 */
export const TileQuery = z.object({
  v: z
    .string()
    .regex(/^\d{1,9}$/, 'v must be a model version: an integer from 0 to 999999999')
    .transform(Number)
    .optional(),
  /** Section of a volume (0-based); absent = 0, so 2D clients keep their URLs. */
  z: z
    .string()
    .regex(/^\d{1,6}$/, 'z must be a section index: an integer from 0 to 999999')
    .transform(Number)
    .optional(),
});
export type TileQuery = z.infer<typeof TileQuery>;
