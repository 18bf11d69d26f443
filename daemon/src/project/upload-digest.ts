import { readFile } from 'node:fs/promises';
import { atomicWrite } from '../store/atomic-write.js';
import type { SlideRecord, SlidesRepo } from '../store/slides-repo.js';
import type { ProjectPaths } from './project-paths.js';

export interface UploadDigestDeps {
  paths: ProjectPaths;
  slidesRepo: Pick<SlidesRepo, 'list'>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Records an uploaded slide file's SHA-256 beside it, durably, before the slide's row is inserted (a crash leaves
 * an orphan digest, never a row whose duplicate check reads nothing). A file, not a column: the hash is only
 * ever read by `findUploadedDuplicate`, and deleting the slide's folder removes it with the upload.
 */
export async function writeUploadDigest(deps: Pick<UploadDigestDeps, 'paths'>, slideId: string, sha256: string) {
  if (!SHA256_HEX.test(sha256)) throw new Error(`not a SHA-256 hex digest: ${JSON.stringify(sha256)}`);
  await atomicWrite(deps.paths.uploadDigest(slideId), new TextEncoder().encode(sha256));
}

/**
 * The slide whose uploaded file has these bytes, if any. Reads one 64-byte file per slide: cheap next to the
 * upload it guards. Slides added by path have no digest and never match (their file is the user's, and may change).
 */
export async function findUploadedDuplicate(deps: UploadDigestDeps, sha256: string): Promise<SlideRecord | undefined> {
  for (const slide of deps.slidesRepo.list()) {
    const stored = await readFile(deps.paths.uploadDigest(slide.id), 'utf8').catch(() => '');
    if (stored === sha256) return slide;
  }
  return undefined;
}
