import { readFile } from 'node:fs/promises';
import {
  type AnnotationList,
  AnnotationListQuery,
  AnnotationParams,
  type SlideAnnotationList,
  SlideAnnotationsQuery,
  SlideParams,
} from '@activeseg/protocol';
import { Hono } from 'hono';
import { ApiError } from '../../errors/api-error.js';
import type { AnnotationPreparer } from '../../project/annotation-preparer.js';
import { toAnnotationSummary } from '../../project/annotation-summary.js';
import { deleteAnnotation } from '../../project/delete-annotation.js';
import type { PreAnnotationScorer } from '../../project/pre-annotation-scorer.js';
import type { ProjectPaths } from '../../project/project-paths.js';
import { saveAnnotation, toAck } from '../../project/save-annotation.js';
import type { SlideCatalog } from '../../project/slide-catalog.js';
import type { Store } from '../../store/db.js';
import type { Hub } from '../../ws/hub.js';
import { zValidator } from '../validate.js';

export interface AnnotationsRoutesDeps {
  store: Store;
  paths: ProjectPaths;
  slides: SlideCatalog;
  patchSize: number;
  /** Parses and decodes bodies in a worker thread (JSON.parse of a 30 MB RLE alone blocks for ~0.5 s). */
  preparer: AnnotationPreparer;
  /** Announces stored and deleted annotations to every open page; optional for tests of the store alone. */
  hub?: Hub;
  /** Scores a new annotation against the prediction its annotator saw, after the ack (never delaying it). */
  preScorer?: PreAnnotationScorer;
  /** The engine's current model version (accepted as `modelVersion` before it scored anything). */
  currentModelVersion?: () => number | undefined;
}

export function createAnnotationsRoutes(deps: AnnotationsRoutesDeps): Hono {
  const annotation = (annotationId: string) => {
    const a = deps.store.annotations.get(annotationId);
    if (!a) throw new ApiError('ANNOTATION_NOT_FOUND', `no annotation ${annotationId}`, 'annotationId');
    return a;
  };
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
      if (created) {
        const supersedes = prepared.request.supersedes;
        deps.hub?.broadcast({
          type: 'annotation.saved',
          slideId: ack.slideId,
          annotationId: ack.id,
          ...(supersedes === undefined ? {} : { supersedes }),
        });
      }
      if (created && prepared.request.modelVersion !== undefined) deps.preScorer?.schedule(ack.slideId);
      return c.json(ack, created ? 201 : 200);
    })
    .get('/api/annotations', zValidator('query', AnnotationListQuery), (c) => {
      const { slideId } = c.req.valid('query');
      deps.slides.get(slideId);
      return c.json({ annotations: deps.store.annotations.listBySlide(slideId).map(toAck) } satisfies AnnotationList);
    })
    .get(
      '/api/slides/:slideId/annotations',
      zValidator('param', SlideParams),
      zValidator('query', SlideAnnotationsQuery),
      (c) => {
        const slide = deps.slides.get(c.req.valid('param').slideId);
        const { annotations } = deps.store;
        const rows =
          c.req.valid('query').history === 'true'
            ? annotations.listHistoryBySlide(slide.id)
            : annotations.listBySlide(slide.id);
        return c.json({
          slideId: slide.id,
          annotations: rows.map((a) => toAnnotationSummary(a, slide.pixelSize)),
        } satisfies SlideAnnotationList);
      },
    )
    .get('/api/annotations/:annotationId/mask', zValidator('param', AnnotationParams), async (c) => {
      const a = annotation(c.req.valid('param').annotationId);
      const png = await readFile(deps.paths.fromStored(a.maskPath));
      return c.body(new Uint8Array(png), 200, {
        'content-type': 'image/png',
        // A version's mask never changes (an edit is a new id), so the browser may keep it.
        'cache-control': 'private, max-age=86400, immutable',
      });
    })
    .delete('/api/annotations/:annotationId', zValidator('param', AnnotationParams), async (c) => {
      const deleted = await deleteAnnotation(deps, c.req.valid('param').annotationId);
      deps.hub?.broadcast({
        type: 'annotation.deleted',
        slideId: deleted.slideId,
        annotationId: deleted.id,
        deletedVersions: deleted.deletedVersions,
      });
      return c.json(deleted);
    });
}
