import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Store } from '../store/db.js';
import type { AnnotationLearningRow } from '../store/learning-repo.js';
import { decodeScoreMap } from '../store/score-map.js';
import { type CellPrediction, preAnnotationCounts } from './pre-annotation-counts.js';
import type { ProjectPaths } from './project-paths.js';

export interface PreAnnotationScorerDeps {
  store: Store;
  paths: ProjectPaths;
  log?: (message: string, err?: unknown) => void;
}

export interface PreAnnotationScorer {
  /** Scores the slide's pending annotations soon, off the caller's path (an ack never waits for it). */
  schedule(slideId: string): void;
  /** Scores the slide's pending annotations whose prediction exists now; resolves with how many were scored. */
  run(slideId: string): Promise<number>;
  /** Resolves when no run is in flight (before the store closes). */
  idle(): Promise<void>;
}

/**
 * The "pending pre-scores" pass: an annotation names the model version whose prediction the person saw; once that
 * version's score maps exist for every cell of the region, its thresholded prediction is compared with the label
 * (annotated pixels only) and the counts are stored. Called after each save and whenever a slide's maps change, so
 * an annotation saved before its prediction existed is scored when the infer job reaches it. Runs for one slide are
 * chained, never concurrent, so a row is never scored twice at once.
 */
export function createPreAnnotationScorer(deps: PreAnnotationScorerDeps): PreAnnotationScorer {
  const chains = new Map<string, Promise<number>>();
  // Slides with a run waiting to start: a burst of tile updates during an infer job asks once, not per batch.
  const waiting = new Set<string>();
  const run = (slideId: string): Promise<number> => {
    const previous = chains.get(slideId) ?? Promise.resolve(0);
    const next = previous
      .catch(() => 0)
      .then(() => {
        waiting.delete(slideId);
        return scorePending(deps, slideId);
      });
    chains.set(slideId, next);
    void next
      .finally(() => {
        if (chains.get(slideId) === next) chains.delete(slideId);
      })
      .catch(() => {});
    return next;
  };
  return {
    run,
    idle: async () => {
      await Promise.allSettled([...chains.values()]);
    },
    schedule: (slideId) => {
      if (waiting.has(slideId)) return;
      waiting.add(slideId);
      run(slideId).catch((err: unknown) => deps.log?.(`pre-annotation scores of slide ${slideId} failed`, err));
    },
  };
}

async function scorePending(deps: PreAnnotationScorerDeps, slideId: string): Promise<number> {
  let scored = 0;
  for (const row of deps.store.learning.listPending(slideId)) {
    try {
      if (await scoreOne(deps, row)) scored++;
    } catch (err) {
      // One unreadable map or mask (a slide deleted meanwhile) must not stop the others; it stays pending.
      deps.log?.(`pre-annotation score of annotation ${row.annotationId} failed`, err);
    }
  }
  return scored;
}

async function scoreOne(deps: PreAnnotationScorerDeps, row: AnnotationLearningRow): Promise<boolean> {
  const { store, paths } = deps;
  const version = row.modelVersion as number;
  const annotation = store.annotations.get(row.annotationId);
  if (!annotation) return false;
  const scoreRows = annotation.patches.map((p) => store.scores.get(row.slideId, version, p.col, p.row));
  // A cell without a map once that version has scored the slide and no job is left for it was skipped (blank
  // background, or a cancelled run): the viewer showed no prediction there, i.e. no myelin. While a job is queued
  // or running, or the version has not scored the slide at all, the prediction may still come: wait.
  if (
    scoreRows.some((s) => s === undefined) &&
    (!store.scores.hasVersion(row.slideId, version) || store.jobs.activeForSlide(row.slideId).length > 0)
  ) {
    return false;
  }
  const cells: CellPrediction[] = [];
  for (const [i, s] of scoreRows.entries()) {
    if (!s) {
      const p = annotation.patches[i] as { col: number; row: number; size: number };
      cells.push({ col: p.col, row: p.row, size: p.size, mean: new Uint8Array(p.size * p.size) });
      continue;
    }
    const bytes = new Uint8Array(await readFile(paths.fromStored(s.mapPath)));
    cells.push({ col: s.col, row: s.row, size: s.size, mean: decodeScoreMap(bytes, s.size).mean });
  }
  const { data } = await sharp(paths.fromStored(annotation.maskPath))
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const mask = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) mask[i] = (data[i] as number) > 127 ? 1 : 0;
  store.learning.setCounts(row.annotationId, preAnnotationCounts(annotation, mask, cells));
  return true;
}
