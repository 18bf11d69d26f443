import { rm } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import { UploadSlideQuery } from '@activeseg/protocol';
import { Hono } from 'hono';
import type { DaemonConfig } from '../../config.js';
import { ApiError } from '../../errors/api-error.js';
import { addSlide } from '../../project/add-slide.js';
import type { ProjectPaths } from '../../project/project-paths.js';
import { randomId } from '../../project/random-id.js';
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
 * `POST /api/uploads?name=<file name>`: the body is the slide file's bytes. It is streamed to a temp file under
 * the project (never buffered; cut off at `maxUploadBytes`, whether or not Content-Length says so), moved to
 * `slides/<id>/upload<.ext>`, and ingested exactly like `POST /api/slides`, so format errors are the same
 * codes. Everything written is removed if any step fails. Mounted outside the app's JSON body limit.
 */
export function createUploadsRoutes(deps: UploadsRoutesDeps): Hono {
  const { config, paths } = deps;
  return new Hono().post('/api/uploads', zValidator('query', UploadSlideQuery), async (c) => {
    const { name } = c.req.valid('query');
    const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (type !== undefined && type !== '' && !RAW_TYPES.has(type)) {
      throw new ApiError(
        'BAD_REQUEST',
        `upload bodies are the raw file (application/octet-stream), not ${type}`,
        'content-type',
      );
    }
    const declared = Number(c.req.header('content-length'));
    if (Number.isFinite(declared) && declared > config.maxUploadBytes) {
      throw new ApiError('PAYLOAD_TOO_LARGE', `upload of ${declared} bytes is over ${config.maxUploadBytes}`);
    }
    const body = c.req.raw.body;
    if (!body || declared === 0) throw new ApiError('BAD_REQUEST', 'the upload body is empty', 'body');

    const id = randomId('sl');
    const stored = paths.upload(id, safeExtension(name));
    const tmp = tempPathFor(stored);
    const signal = c.req.raw.signal;
    try {
      const { bytes } = await writeStreamToFile(body, tmp, { maxBytes: config.maxUploadBytes, signal });
      if (bytes === 0) throw new ApiError('BAD_REQUEST', 'the upload body is empty', 'body');
      // Durable before the row that points at it is inserted (a crash leaves an orphan file, never a bad row).
      await commitFile(tmp, stored);
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
