import { rm } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import { UploadSlideQuery } from '@activeseg/protocol';
import { Hono } from 'hono';
import type { DaemonConfig } from '../../config.js';
import { ApiError } from '../../errors/api-error.js';
import { addSlide } from '../../project/add-slide.js';
import type { ProjectPaths } from '../../project/project-paths.js';
import { randomId } from '../../project/random-id.js';
import { findUploadedDuplicate, writeUploadDigest } from '../../project/upload-digest.js';
import { writeStreamToFile } from '../../project/write-stream-to-file.js';
import { commitFile, tempPathFor } from '../../store/atomic-write.js';
import type { SlideRecord, SlidesRepo } from '../../store/slides-repo.js';
import { zValidator } from '../validate.js';
import { toSlideInfo } from './slides.js';

export interface UploadsRoutesDeps {
  config: DaemonConfig;
  paths: ProjectPaths;
  slidesRepo: SlidesRepo;
  onSlideAdded?: (record: SlideRecord) => void;
}

/** Content types a raw upload may declare. Anything form-shaped is refused: the body must be the file itself. */
const RAW_TYPES = new Set(['application/octet-stream', 'image/tiff', 'image/png', 'image/jpeg']);

/** The name's extension when it is short and plain (kept so libvips loaders that go by suffix still work). */
function safeExtension(name: string): string {
  const ext = extname(name).toLowerCase();
  return /^\.[a-z0-9]{1,10}$/.test(ext) ? ext : '';
}

/**
 * `POST /api/uploads?name=<file name>[&size=<bytes>][&duplicate=refuse]`: the body is the slide file's bytes. It is
 * streamed to a temp file under the project (never buffered; cut off at `maxUploadBytes`, whether or not
 * Content-Length says so; an announced size over it is refused before reading), hashed on the way, fsynced, moved
 * to `slides/<id>/upload<.ext>`, and ingested exactly like `POST /api/slides`, so format errors are the same
 * codes. Fewer bytes than announced, or a client that goes away, is UPLOAD_TRUNCATED; with `duplicate=refuse` the
 * same bytes as an earlier upload are SLIDE_DUPLICATE. Everything written is removed if any step fails. Mounted
 * outside the app's JSON body limit.
 */
export function createUploadsRoutes(deps: UploadsRoutesDeps): Hono {
  const { config, paths } = deps;
  return new Hono().post('/api/uploads', zValidator('query', UploadSlideQuery), async (c) => {
    const { name, size, duplicate } = c.req.valid('query');
    const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (type !== undefined && type !== '' && !RAW_TYPES.has(type)) {
      throw new ApiError(
        'BAD_REQUEST',
        `upload bodies are the raw file (application/octet-stream), not ${type}`,
        'content-type',
      );
    }
    const header = c.req.header('content-length');
    const declared = header === undefined || header === '' ? undefined : Number(header);
    if (declared !== undefined && !Number.isSafeInteger(declared)) {
      throw new ApiError(
        'BAD_REQUEST',
        `Content-Length ${JSON.stringify(header)} is not a byte count`,
        'content-length',
      );
    }
    // Refused before a byte is read: the announced size alone is over the cap.
    for (const announced of [declared, size]) {
      if (announced !== undefined && announced > config.maxUploadBytes) {
        throw new ApiError('PAYLOAD_TOO_LARGE', `upload of ${announced} bytes is over ${config.maxUploadBytes}`);
      }
    }
    if (declared !== undefined && size !== undefined && declared !== size) {
      throw new ApiError('BAD_REQUEST', `size ${size} differs from Content-Length ${declared}`, 'size');
    }
    const body = c.req.raw.body;
    if (!body || declared === 0 || size === 0) throw new ApiError('BAD_REQUEST', 'the upload body is empty', 'body');

    const id = randomId('sl');
    const stored = paths.upload(id, safeExtension(name));
    const tmp = tempPathFor(stored);
    const signal = c.req.raw.signal;
    try {
      const expected = size ?? declared;
      const { bytes, sha256 } = await writeStreamToFile(body, tmp, {
        maxBytes: config.maxUploadBytes,
        ...(expected === undefined ? {} : { expectedBytes: expected }),
        expectedField: size === undefined ? 'content-length' : 'size',
        signal,
      });
      if (bytes === 0) throw new ApiError('BAD_REQUEST', 'the upload body is empty', 'body');
      if (duplicate === 'refuse') {
        const same = await findUploadedDuplicate(deps, sha256);
        if (same) {
          throw new ApiError(
            'SLIDE_DUPLICATE',
            `${name} has the same bytes as the slide “${same.name}” (${same.id})`,
            'body',
          );
        }
      }
      // Durable before the row that points at it is inserted (a crash leaves an orphan file, never a bad row).
      await commitFile(tmp, stored);
      await writeUploadDigest(deps, id, sha256);
      const record = await addSlide(deps, { id, path: stored, name, signal });
      return c.json(toSlideInfo(record, config.dziTileSize), 201);
    } catch (err) {
      // The slide folder is this upload's alone (fresh id): nothing else to keep.
      await rm(dirname(stored), { recursive: true, force: true });
      if (err instanceof ApiError && err.field === 'path') {
        // Same code as POST /api/slides; the message names the user's file, not our stored copy.
        throw new ApiError(err.code, err.message.replaceAll(basename(stored), name), 'body');
      }
      throw err;
    }
  });
}
