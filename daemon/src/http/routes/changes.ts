import { ChangeTileParams, ChangeTileQuery } from '@activeseg/protocol';
import { Hono } from 'hono';
import type { DaemonConfig } from '../../config.js';
import { ApiError } from '../../errors/api-error.js';
import type { ProjectPaths } from '../../project/project-paths.js';
import { renderChangedTile } from '../../project/render-changed-tile.js';
import type { SlideCatalog } from '../../project/slide-catalog.js';
import { dziLayout, dziTileBounds } from '../../slides/dzi.js';
import type { ScoresRepo } from '../../store/scores-repo.js';
import { zValidator } from '../validate.js';

export interface ChangesRoutesDeps {
  config: DaemonConfig;
  paths: ProjectPaths;
  slides: SlideCatalog;
  scores: ScoresRepo;
}

/**
 * `GET /api/slides/:slideId/changes/:level/:col_:row.png?from=&to=`: where two model versions' thresholded
 * predictions differ (see `ChangeTileParams`). Rendered per request, never cached: both versions must have scored
 * the slide (MODEL_VERSION_NOT_FOUND naming the one that has not), so no made-up pair costs anything on disk.
 */
export function createChangesRoutes(deps: ChangesRoutesDeps): Hono {
  return new Hono().get(
    '/api/slides/:slideId/changes/:level/:tile',
    zValidator('param', ChangeTileParams),
    zValidator('query', ChangeTileQuery),
    async (c) => {
      const { slideId, level, tile } = c.req.valid('param');
      const { from, to } = c.req.valid('query');
      const [colRow = '', ext = ''] = tile.split('.');
      if (ext !== 'png') throw new ApiError('BAD_REQUEST', 'change tiles are PNG (they carry alpha)', 'tile');
      const [col, row] = colRow.split('_').map(Number) as [number, number];
      const slide = deps.slides.get(slideId);
      const bounds = dziTileBounds(dziLayout(slide, deps.config.dziTileSize), level, col, row);
      if (!bounds) throw new ApiError('TILE_OUT_OF_RANGE', `no tile ${level}/${col}_${row} on slide ${slideId}`);
      for (const [field, version] of [
        ['from', from],
        ['to', to],
      ] as const) {
        if (!deps.scores.hasVersion(slideId, version)) {
          throw new ApiError(
            'MODEL_VERSION_NOT_FOUND',
            `slide ${slideId} has no prediction at model version ${version}; run inference with it first`,
            field,
          );
        }
      }
      const bytes = await renderChangedTile({
        slideId,
        from,
        to,
        bounds,
        slideSize: slide,
        scores: deps.scores,
        paths: deps.paths,
        patchSize: deps.config.patchSize,
      });
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
        'content-type': 'image/png',
        'cache-control': 'no-cache',
      });
    },
  );
}
