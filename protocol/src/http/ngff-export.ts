import { z } from 'zod';

/**
 * `POST /api/slides/:slideId/export/ngff`: write the slide as an OME-Zarr (NGFF v0.5) directory at `path` on the
 * daemon's machine: the image, `labels/annotations`, `labels/prediction` and `uncertainty/`. `path` must not exist yet
 * (EXPORT_PATH_EXISTS); a failed export leaves nothing there.
 */
export const NgffExportRequest = z.object({
  path: z.string().min(1).max(4096),
  /** Model version whose scores fill prediction and uncertainty; default the latest scored one. */
  modelVersion: z.number().int().nonnegative().max(999_999_999).optional(),
});
export type NgffExportRequest = z.infer<typeof NgffExportRequest>;

export const NgffExportResult = z.object({
  path: z.string(),
  /** Levels of every multiscale in the store (each half the last). */
  levels: z.number().int().positive(),
  /** The version written, or null when the slide has no scores (prediction and uncertainty are then empty). */
  modelVersion: z.number().int().nonnegative().nullable(),
  scoredPatches: z.number().int().nonnegative(),
  /**
   * Myelin area in what was written: annotated (label 2 of `labels/annotations`) and predicted (label 2 of
   * `labels/prediction`), in µm² when the slide has a pixel size, else in level-0 pixels.
   */
  myelinArea: z.object({
    annotated: z.number().nonnegative(),
    predicted: z.number().nonnegative(),
    unit: z.enum(['µm²', 'px']),
  }),
});
export type NgffExportResult = z.infer<typeof NgffExportResult>;
