import { rm } from 'node:fs/promises';
import type { Region } from '@activeseg/protocol';
import { forEachTile, tileRangesCovering } from '@activeseg/shared';
import type { SlidesRepo } from '../store/slides-repo.js';
import type { ProjectPaths } from './project-paths.js';

export interface DropOverlayTilesDeps {
  slides: Pick<SlidesRepo, 'get'>;
  paths: ProjectPaths;
  /** The DZI tile size overlays are served at. */
  tileSize: number;
}

/**
 * Deletes the cached overlay tiles of section `z`, at every level, over a re-scored level-0 region: they are stale, and the next
 * fetch (which `tiles.updated` triggers) renders fresh ones.
 */
export async function dropOverlayTiles(
  deps: DropOverlayTilesDeps,
  slideId: string,
  region: Region,
  modelVersion: number,
  z = 0,
): Promise<void> {
  const slide = deps.slides.get(slideId);
  if (!slide) return;
  const ranges = tileRangesCovering(region, { width: slide.width, height: slide.height, tileSize: deps.tileSize });
  const removals: Promise<void>[] = [];
  forEachTile(ranges, ({ level, col, row }) => {
    for (const layer of ['uncertainty', 'prediction'] as const) {
      removals.push(
        rm(deps.paths.tile({ slideId, layer, modelVersion, level, col, row, ext: 'png', z }), { force: true }),
      );
    }
  });
  await Promise.all(removals);
}
