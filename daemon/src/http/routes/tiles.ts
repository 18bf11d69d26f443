import { sectionCount, TileParams, TileQuery } from '@activeseg/protocol';
import { Hono } from 'hono';
import type { DaemonConfig } from '../../config.js';
import { ApiError } from '../../errors/api-error.js';
import type { ProjectPaths } from '../../project/project-paths.js';
import { renderOverlayTile } from '../../project/render-overlay-tile.js';
import type { SlideCatalog } from '../../project/slide-catalog.js';
import { dziLayout, dziTileBounds, renderDziTile } from '../../slides/dzi.js';
import type { TileCache } from '../../slides/tile-cache.js';
import type { ScoresRepo } from '../../store/scores-repo.js';
import { zValidator } from '../validate.js';

export interface TilesRoutesDeps {
  config: DaemonConfig;
  paths: ProjectPaths;
  slides: SlideCatalog;
  scores: ScoresRepo;
  tileCache: TileCache;
  /** The model version the daemon serves (0: none): a tile without `?v=` shows it where the slide has its scores. */
  currentVersion?: () => number;
}

/**
 * `GET /api/slides/:slideId/tiles/:layer/:level/:col_:row.:ext` (DZI numbering, 256 px, no overlap).
 * `image` is JPEG or PNG; overlays are always RGBA PNG, at `?v=<modelVersion>` or the latest scored one.
 * `?z=<section>` picks a volume's section (default 0).
 */
export function createTilesRoutes(deps: TilesRoutesDeps): Hono {
  const { config } = deps;
  return new Hono().get(
    '/api/slides/:slideId/tiles/:layer/:level/:tile',
    zValidator('param', TileParams),
    zValidator('query', TileQuery),
    async (c) => {
      const { slideId, layer, level, tile } = c.req.valid('param');
      const { v: requested, z = 0 } = c.req.valid('query');
      const [colRow = '', ext = ''] = tile.split('.');
      const [col, row] = colRow.split('_').map(Number) as [number, number];
      const format = ext === 'png' ? 'png' : 'jpeg';
      const slide = deps.slides.get(slideId);
      if (z >= sectionCount(slide)) {
        throw new ApiError(
          'SECTION_OUT_OF_RANGE',
          `slide ${slideId} has no section ${z} (${sectionCount(slide)} sections)`,
          'z',
        );
      }
      const layout = dziLayout(slide, config.dziTileSize);
      const bounds = dziTileBounds(layout, level, col, row);
      if (!bounds) throw new ApiError('TILE_OUT_OF_RANGE', `no tile ${level}/${col}_${row} on slide ${slideId}`);
      const signal = c.req.raw.signal;
      signal.throwIfAborted();

      if (layer === 'image') {
        // Not passed into the render: concurrent requests for one tile share it, and one viewer panning
        // away must not abort a render another is waiting for.
        const bytes = await deps.tileCache.getOrRender(
          deps.paths.tile({ slideId, layer, modelVersion: 0, level, col, row, ext: format, z }),
          async () => {
            const source = await deps.slides.open(slideId);
            try {
              return await renderDziTile(
                source,
                layout,
                { level, col, row, z },
                { format, jpegQuality: config.tileJpegQuality },
              );
            } catch (err) {
              // A file damaged past what ingest checks (e.g. one bad strip in a TIFF) fails only when that window
              // is decoded: that is the slide's fault, not an internal error.
              if (err instanceof ApiError) throw err;
              throw new ApiError(
                'SLIDE_CORRUPT',
                `slide ${slideId}: tile ${level}/${col}_${row} cannot be decoded: ${err instanceof Error ? err.message : String(err)}`,
              );
            }
          },
          { immutable: true },
        );
        if (!bytes) throw new ApiError('TILE_OUT_OF_RANGE', `no tile ${level}/${col}_${row}`);
        return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
          'content-type': format === 'png' ? 'image/png' : 'image/jpeg',
          'cache-control': 'private, max-age=86400',
        });
      }

      const modelVersion = requested ?? deps.scores.shownVersion(slideId, deps.currentVersion?.() ?? 0);
      if (modelVersion === undefined) {
        throw new ApiError('LAYER_NOT_AVAILABLE', `no ${layer} overlay yet for slide ${slideId}; run inference first`);
      }
      // Checked before the cache: every made-up version would otherwise leave an empty tile (and its folders) on disk.
      if (requested !== undefined && !deps.scores.hasVersion(slideId, requested)) {
        throw new ApiError(
          'MODEL_VERSION_NOT_FOUND',
          `slide ${slideId} has no ${layer} overlay at model version ${requested}`,
          'v',
        );
      }
      const bytes = await deps.tileCache.getOrRender(
        deps.paths.tile({ slideId, layer, modelVersion, level, col, row, ext: 'png', z }),
        () =>
          renderOverlayTile({
            slideId,
            layer,
            modelVersion,
            z,
            bounds,
            slideSize: slide,
            scores: deps.scores,
            paths: deps.paths,
            patchSize: config.patchSize,
          }),
      );
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
        'content-type': 'image/png',
        // Overlay tiles change while inference runs; the viewer keys them by model version and refetches on tiles.updated.
        'cache-control': 'no-cache',
      });
    },
  );
}
