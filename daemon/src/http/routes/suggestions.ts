import { type SuggestionList, SuggestionsQuery } from '@activeseg/protocol';
import { Hono } from 'hono';
import { interleaveProbes, probeCount } from '../../project/interleave-probes.js';
import { probeSeedOf, readProjectSettings } from '../../project/project-settings.js';
import type { SlideCatalog } from '../../project/slide-catalog.js';
import type { Store } from '../../store/db.js';
import type { ScoreRecord } from '../../store/scores-repo.js';
import { zValidator } from '../validate.js';

export function createSuggestionsRoutes(deps: {
  slides: SlideCatalog;
  store: Store;
  /** The model version the daemon serves (0: none); its scores are preferred over newer ones (after a rollback). */
  currentVersion?: () => number;
}): Hono {
  const { scores, learning } = deps.store;
  return new Hono().get('/api/suggestions', zValidator('query', SuggestionsQuery), (c) => {
    const { slideId, k } = c.req.valid('query');
    deps.slides.get(slideId);
    const modelVersion = scores.shownVersion(slideId, deps.currentVersion?.() ?? 0) ?? null;
    const { probeRate } = readProjectSettings(deps.store);
    const probes = probeCount(k, probeRate);
    const ranked = modelVersion === null ? [] : scores.topUnannotated(slideId, modelVersion, k - probes);
    let rows: ScoreRecord[] = ranked;
    // No rows, no draw: the seed is only made (and stored) once there is something to draw from.
    if (modelVersion !== null && probes > 0 && ranked.length > 0) {
      const pool = learning.unannotatedCells(slideId, modelVersion);
      const entries = interleaveProbes(ranked, pool, { k, probeRate, seed: probeSeedOf(deps.store) });
      // Written only the first time a probe is served: a commit is an fsync, and the list is asked for often.
      const fresh = entries.flatMap((e) =>
        e.probe && !learning.isProbe(slideId, e.item.col, e.item.row) ? [e.item] : [],
      );
      if (fresh.length > 0) {
        deps.store.db.transaction(() => {
          for (const cell of fresh) learning.markProbe({ slideId, col: cell.col, row: cell.row, modelVersion });
        })();
      }
      rows = entries.flatMap((e) => {
        const row = e.probe ? scores.get(slideId, modelVersion, e.item.col, e.item.row) : e.item;
        return row ? [row] : [];
      });
    }
    const body: SuggestionList = {
      slideId,
      modelVersion,
      suggestions: rows.map((r) => ({
        patch: {
          col: r.col,
          row: r.row,
          x: r.col * r.size,
          y: r.row * r.size,
          size: r.size,
          ...(r.z ? { z: r.z } : {}),
        },
        score: r.score,
      })),
    };
    return c.json(body);
  });
}
