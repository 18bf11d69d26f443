import { type AnnotationList, AnnotationListQuery, AnnotationRequest } from '@activeseg/protocol';
import { Hono } from 'hono';
import type { ProjectPaths } from '../../project/project-paths.js';
import { saveAnnotation, toAck } from '../../project/save-annotation.js';
import type { SlideCatalog } from '../../project/slide-catalog.js';
import type { Store } from '../../store/db.js';
import { zValidator } from '../validate.js';

export interface AnnotationsRoutesDeps {
  store: Store;
  paths: ProjectPaths;
  slides: SlideCatalog;
  patchSize: number;
  maxAnnotationPixels: number;
}

export function createAnnotationsRoutes(deps: AnnotationsRoutesDeps): Hono {
  return new Hono()
    .post('/api/annotations', zValidator('json', AnnotationRequest), async (c) => {
      const { ack, created } = await saveAnnotation(deps, c.req.valid('json'));
      return c.json(ack, created ? 201 : 200);
    })
    .get('/api/annotations', zValidator('query', AnnotationListQuery), (c) => {
      const { slideId } = c.req.valid('query');
      deps.slides.get(slideId);
      return c.json({ annotations: deps.store.annotations.listBySlide(slideId).map(toAck) } satisfies AnnotationList);
    });
}
