import { type SuggestionList, SuggestionsQuery } from '@activeseg/protocol';
import { Hono } from 'hono';
import { interleaveProbes } from '../../project/interleave-probes.js';
import { probeSeedOf, readProjectSettings } from '../../project/project-settings.js';
import type { SlideCatalog } from '../../project/slide-catalog.js';
import type { Store } from '../../store/db.js';
import { zValidator } from '../validate.js';

export function createSuggestionsRoutes(deps: { slides: SlideCatalog; store: Store }): Hono {
  const { scores, learning } = deps.store;
  return new Hono().get('/api/suggestions', zValidator('query', SuggestionsQuery), (c) => {
    const { slideId, k } = c.req.valid('query');
    deps.slides.get(slideId);
    const modelVersion = scores.latestVersion(slideId) ?? null;
    const { probeRate } = readProjectSettings(deps.store);
    // With probes the whole unannotated pool is the draw's population (−1: SQLite's "no limit").
    const rows = modelVersion === null ? [] : scores.topUnannotated(slideId, modelVersion, probeRate > 0 ? -1 : k);
    // No rows, no draw: the seed is only made (and stored) once there is something to draw from.
    const entries =
      probeRate > 0 && rows.length > 0
        ? interleaveProbes(rows, { k, probeRate, seed: probeSeedOf(deps.store) })
        : rows.slice(0, k).map((item) => ({ item, probe: false }));
    const served = entries.filter((e) => e.probe);
    if (served.length > 0) {
      deps.store.db.transaction(() => {
        for (const { item } of served) {
          learning.markProbe({ slideId, col: item.col, row: item.row, modelVersion: item.modelVersion });
        }
      })();
    }
    const body: SuggestionList = {
      slideId,
      modelVersion,
      suggestions: entries.map(({ item: r }) => ({
        patch: { col: r.col, row: r.row, x: r.col * r.size, y: r.row * r.size, size: r.size },
        score: r.score,
      })),
    };
    return c.json(body);
  });
}
