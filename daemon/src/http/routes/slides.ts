import { AddSlideRequest, DeleteSlideQuery, type SlideInfo, type SlideList, SlideParams } from '@activeseg/protocol';
import { Hono } from 'hono';
import type { DaemonConfig } from '../../config.js';
import { addSlide } from '../../project/add-slide.js';
import { deleteSlide } from '../../project/delete-slide.js';
import type { ProjectPaths } from '../../project/project-paths.js';
import type { SlideCatalog } from '../../project/slide-catalog.js';
import { dziDescriptor, dziLayout } from '../../slides/dzi.js';
import type { Store } from '../../store/db.js';
import type { SlideRecord, SlidesRepo } from '../../store/slides-repo.js';
import type { Hub } from '../../ws/hub.js';
import { zValidator } from '../validate.js';

export interface SlidesRoutesDeps {
  config: DaemonConfig;
  paths: ProjectPaths;
  slides: SlideCatalog;
  slidesRepo: SlidesRepo;
  /** For DELETE: the slide's annotations and jobs, and the `slide.removed` broadcast. */
  store: Store;
  hub: Hub;
  /** Announces a new slide (`slide.added`). */
  onSlideAdded?: (record: SlideRecord) => void;
}

export function toSlideInfo(s: SlideRecord, tileSize: number): SlideInfo {
  const layout = dziLayout(s, tileSize);
  return {
    id: s.id,
    name: s.name,
    width: s.width,
    height: s.height,
    tileSize,
    levels: layout.maxLevel + 1,
    format: s.format,
    createdAt: s.createdAt,
    ...(s.pixelSize ? { pixelSize: s.pixelSize } : {}),
    ...(s.warnings?.length ? { warnings: s.warnings } : {}),
    sections: s.sections ?? 1,
  };
}

export function createSlidesRoutes(deps: SlidesRoutesDeps): Hono {
  const { config } = deps;
  const info = (s: SlideRecord) => toSlideInfo(s, config.dziTileSize);
  const dzi = (c: { req: { valid(t: 'param'): SlideParams } }) => {
    const slide = deps.slides.get(c.req.valid('param').slideId);
    return dziDescriptor(dziLayout(slide, config.dziTileSize), 'jpeg');
  };
  return new Hono()
    .get('/api/slides', (c) => c.json({ slides: deps.slidesRepo.list().map(info) } satisfies SlideList))
    .post('/api/slides', zValidator('json', AddSlideRequest), async (c) => {
      const body = c.req.valid('json');
      const record = await addSlide(deps, {
        path: body.path,
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.pixelSize === undefined ? {} : { pixelSize: body.pixelSize }),
        signal: c.req.raw.signal,
      });
      return c.json(info(record), 201);
    })
    .delete(
      '/api/slides/:slideId',
      zValidator('param', SlideParams),
      zValidator('query', DeleteSlideQuery),
      async (c) => {
        const deleted = await deleteSlide(deps, {
          slideId: c.req.valid('param').slideId,
          force: c.req.valid('query').force === 'true',
        });
        deps.hub.broadcast({ type: 'slide.removed', slideId: deleted.id });
        return c.json(deleted);
      },
    )
    .get('/api/slides/:slideId', zValidator('param', SlideParams), (c) =>
      c.json(info(deps.slides.get(c.req.valid('param').slideId))),
    )
    .get('/api/slides/:slideId/image.dzi', zValidator('param', SlideParams), (c) =>
      c.body(dzi(c), 200, { 'content-type': 'application/xml; charset=utf-8' }),
    )
    .get('/api/slides/:slideId/dzi.xml', zValidator('param', SlideParams), (c) =>
      c.body(dzi(c), 200, { 'content-type': 'application/xml; charset=utf-8' }),
    );
}
