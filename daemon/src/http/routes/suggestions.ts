import { type SuggestionList, SuggestionsQuery } from '@activeseg/protocol';
import { Hono } from 'hono';
import type { SlideCatalog } from '../../project/slide-catalog.js';
import type { ScoresRepo } from '../../store/scores-repo.js';
import { zValidator } from '../validate.js';

export function createSuggestionsRoutes(deps: {
  slides: SlideCatalog;
  scores: ScoresRepo;
  /** The model version the daemon serves (0: none); its scores are preferred over newer ones (after a rollback). */
  currentVersion?: () => number;
}): Hono {
  return new Hono().get('/api/suggestions', zValidator('query', SuggestionsQuery), (c) => {
    const { slideId, k } = c.req.valid('query');
    deps.slides.get(slideId);
    const modelVersion = deps.scores.shownVersion(slideId, deps.currentVersion?.() ?? 0) ?? null;
    const rows = modelVersion === null ? [] : deps.scores.topUnannotated(slideId, modelVersion, k);
    const body: SuggestionList = {
      slideId,
      modelVersion,
      suggestions: rows.map((r) => ({
        patch: { col: r.col, row: r.row, x: r.col * r.size, y: r.row * r.size, size: r.size },
        score: r.score,
      })),
    };
    return c.json(body);
  });
}
