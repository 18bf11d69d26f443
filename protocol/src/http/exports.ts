import { z } from 'zod';
import { Id } from '../ids.js';

/**
 * Files `GET /api/slides/:slideId/export/:file` can produce, all full-size, single-channel, 8-bit, in level-0 pixels:
 * `mask.*` is the annotated labels (255 myelin, 0 background or not annotated; later annotations win),
 * `annotated.*` is 255 where any annotation labelled the pixel. PNG is refused over the daemon's
 * `maxPngExportPixels` (EXPORT_TOO_LARGE); TIFF is tiled, deflate-compressed, and BigTIFF when needed.
 */
export const ExportFile = z.enum(['mask.png', 'mask.tiff', 'annotated.png', 'annotated.tiff']);
export type ExportFile = z.infer<typeof ExportFile>;

/** Path parameters of `GET /api/slides/:slideId/export/:file`. */
export const ExportParams = z.object({ slideId: Id, file: ExportFile });
export type ExportParams = z.infer<typeof ExportParams>;

/**
 * `GET /api/models/current/bundle.tar`: an uncompressed ustar archive of the current model version holding exactly
 * these files, in this order. The response header `x-model-version` names the version.
 */
export const MODEL_BUNDLE_FILES = ['model.json', 'weights.bin', 'bundle.json'] as const;
export const ModelBundleFile = z.enum(MODEL_BUNDLE_FILES);
export type ModelBundleFile = z.infer<typeof ModelBundleFile>;
