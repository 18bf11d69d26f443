import { type AnnotationList, AnnotationListQuery } from '@activeseg/protocol';
import { Hono } from 'hono';
import { ApiError } from '../../errors/api-error.js';
import type { AnnotationPreparer } from '../../project/annotation-preparer.js';
import type { PreAnnotationScorer } from '../../project/pre-annotation-scorer.js';
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
  /** Parses and decodes bodies in a worker thread (JSON.parse of a 30 MB RLE alone blocks for ~0.5 s). */
  preparer: AnnotationPreparer;
  /** Scores a new annotation against the prediction its annotator saw, after the ack (never delaying it). */
  preScorer?: PreAnnotationScorer;
  /** The engine's current model version (accepted as `modelVersion` before it scored anything). */
  currentModelVersion?: () => number | undefined;
}

export function createAnnotationsRoutes(deps: AnnotationsRoutesDeps): Hono {
  return new Hono()
    .post('/api/annotations', async (c) => {
      // As zValidator('json') did: only JSON bodies are read as an annotation.
      if (!/^application\/([a-z-.]+\+)?json\b/i.test(c.req.header('content-type') ?? '')) {
        throw new ApiError(
          'BAD_REQUEST',
          'annotation bodies are JSON (content-type: application/json)',
          'content-type',
        );
      }
      // The raw bytes go to the worker, which runs them through the protocol schema (AnnotationRequest).
      const prepared = await deps.preparer.prepare(new Uint8Array(await c.req.arrayBuffer()));
      const { ack, created } = await saveAnnotation(deps, prepared);
      if (created && prepared.request.modelVersion !== undefined) deps.preScorer?.schedule(ack.slideId);
      return c.json(ack, created ? 201 : 200);
    })
    .get('/api/annotations', zValidator('query', AnnotationListQuery), (c) => {
      const { slideId } = c.req.valid('query');
      deps.slides.get(slideId);
      return c.json({ annotations: deps.store.annotations.listBySlide(slideId).map(toAck) } satisfies AnnotationList);
    });
}
