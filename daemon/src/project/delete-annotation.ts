import { rm } from 'node:fs/promises';
import type { DeleteAnnotationResult } from '@activeseg/protocol';
import { ApiError } from '../errors/api-error.js';
import type { Store } from '../store/db.js';
import type { ProjectPaths } from './project-paths.js';

export interface DeleteAnnotationDeps {
  store: Store;
  paths: ProjectPaths;
}

/**
 * Deletes an annotation with every version of it (history included): the rows first, in one transaction (their
 * patch rows go with them, so the cells they labelled stop training at once), then the mask files. A crash between
 * the two leaves orphan mask files, never a row pointing at a missing mask. Telling viewers is the caller's job.
 */
export async function deleteAnnotation(
  deps: DeleteAnnotationDeps,
  annotationId: string,
): Promise<DeleteAnnotationResult> {
  const deleted = deps.store.annotations.deleteVersions(annotationId);
  const first = deleted[0];
  if (!first) throw new ApiError('ANNOTATION_NOT_FOUND', `no annotation ${annotationId}`, 'annotationId');
  await Promise.all(deleted.map((a) => rm(deps.paths.fromStored(a.maskPath), { force: true })));
  return { id: annotationId, slideId: first.slideId, deletedVersions: deleted.map((a) => a.id) };
}
