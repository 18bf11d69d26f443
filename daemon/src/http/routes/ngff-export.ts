import { isAbsolute } from 'node:path';
import { NgffExportRequest, type NgffExportResult, SlideParams } from '@activeseg/protocol';
import { Hono } from 'hono';
import type { DaemonConfig } from '../../config.js';
import { ApiError } from '../../errors/api-error.js';
import type { ProjectPaths } from '../../project/project-paths.js';
import type { SlideCatalog } from '../../project/slide-catalog.js';
import { writeNgffExport } from '../../project/write-ngff-export.js';
import type { Store } from '../../store/db.js';
import { zValidator } from '../validate.js';

export interface NgffExportRoutesDeps {
  config: Pick<DaemonConfig, 'patchSize'>;
  paths: ProjectPaths;
  slides: SlideCatalog;
  store: Store;
}

/** `POST /api/slides/:slideId/export/ngff` (see NgffExportRequest): writes the OME-Zarr, answers where and what. */
export function createNgffExportRoutes(deps: NgffExportRoutesDeps): Hono {
  return new Hono().post(
    '/api/slides/:slideId/export/ngff',
    zValidator('param', SlideParams),
    zValidator('json', NgffExportRequest),
    async (c) => {
      const { slideId } = c.req.valid('param');
      const body = c.req.valid('json');
      const slide = deps.slides.get(slideId);
      if (!isAbsolute(body.path)) throw new ApiError('BAD_REQUEST', `path must be absolute, got ${body.path}`, 'path');
      const modelVersion = body.modelVersion ?? deps.store.scores.latestVersion(slideId);
      if (body.modelVersion !== undefined && !deps.store.scores.hasVersion(slideId, body.modelVersion)) {
        throw new ApiError(
          'MODEL_VERSION_NOT_FOUND',
          `slide ${slideId} has no scores at model version ${body.modelVersion}`,
          'modelVersion',
        );
      }
      const result = await writeNgffExport(deps, slide, body.path, {
        source: await deps.slides.open(slideId),
        patchSize: deps.config.patchSize,
        modelVersion,
        signal: c.req.raw.signal,
      });
      return c.json(result satisfies NgffExportResult, 201);
    },
  );
}
