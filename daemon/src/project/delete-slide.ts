import { rm } from 'node:fs/promises';
import type { DeleteSlideResult } from '@activeseg/protocol';
import { ApiError } from '../errors/api-error.js';
import type { Store } from '../store/db.js';
import type { ProjectPaths } from './project-paths.js';
import type { SlideCatalog } from './slide-catalog.js';

export interface DeleteSlideDeps {
  store: Store;
  paths: ProjectPaths;
  slides: SlideCatalog;
}

export interface DeleteSlideOptions {
  slideId: string;
  /** Also delete the slide's annotations (the user's work); without it a slide that has any is refused. */
  force?: boolean;
}

/**
 * Removes a slide to free space: its rows first (one statement; annotations, patches and scores cascade), then
 * every folder derived from it. A crash between the two leaves orphan files, never a row pointing at a missing
 * file. The source file of a slide added by path is the user's and is kept. Telling viewers is the caller's (the
 * server's) job.
 */
export async function deleteSlide(deps: DeleteSlideDeps, options: DeleteSlideOptions): Promise<DeleteSlideResult> {
  const { store, paths } = deps;
  const slide = deps.slides.get(options.slideId);
  const annotations = store.annotations.listBySlide(slide.id).length;
  if (annotations > 0 && !options.force) {
    throw new ApiError(
      'SLIDE_HAS_ANNOTATIONS',
      `slide ${slide.id} has ${annotations} annotation(s); delete with ?force=true to remove them with it`,
      'force',
    );
  }
  const jobs = store.jobs.activeForSlide(slide.id);
  if (jobs.length > 0) {
    throw new ApiError('JOB_ALREADY_RUNNING', `job ${jobs[0]} is working on slide ${slide.id}; cancel it first`);
  }
  store.slides.delete(slide.id);
  deps.slides.forget(slide.id);
  await Promise.all(paths.slideFolders(slide.id).map((dir) => rm(dir, { recursive: true, force: true })));
  return { id: slide.id, deletedAnnotations: annotations };
}
