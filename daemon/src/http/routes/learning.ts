import { LearningQuery, type LearningReport } from '@activeseg/protocol';
import { Hono } from 'hono';
import { buildLearningReport } from '../../project/learning-report.js';
import type { PreAnnotationScorer } from '../../project/pre-annotation-scorer.js';
import type { SlideCatalog } from '../../project/slide-catalog.js';
import type { Store } from '../../store/db.js';
import { zValidator } from '../validate.js';

export function createLearningRoutes(deps: {
  slides: SlideCatalog;
  store: Store;
  preScorer: PreAnnotationScorer;
}): Hono {
  return new Hono().get('/api/learning', zValidator('query', LearningQuery), async (c) => {
    const { slideId } = c.req.valid('query');
    deps.slides.get(slideId);
    // Scores whatever became computable since the last pass, so the view never shows a stale "pending".
    await deps.preScorer.run(slideId);
    const body: LearningReport = buildLearningReport({
      slideId,
      rows: deps.store.learning.listBySlide(slideId),
      modelVersions: deps.store.learning.knownModelVersions(),
    });
    return c.json(body);
  });
}
