import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ExportParams } from '@activeseg/protocol';
import { Hono } from 'hono';
import type { DaemonConfig } from '../../config.js';
import { ApiError } from '../../errors/api-error.js';
import type { ProjectPaths } from '../../project/project-paths.js';
import { randomId } from '../../project/random-id.js';
import type { SlideCatalog } from '../../project/slide-catalog.js';
import { writeMaskExport } from '../../project/write-mask-export.js';
import type { Store } from '../../store/db.js';
import { zValidator } from '../validate.js';

export interface ExportsRoutesDeps {
  config: DaemonConfig;
  paths: ProjectPaths;
  slides: SlideCatalog;
  store: Store;
}

/**
 * `GET /api/slides/:slideId/export/{mask,annotated}.{png,tiff}`: the slide's annotations as one full-size grey image
 * (see `ExportFile`). Written by libvips to a temp file under `cache/exports/`, then streamed and removed; the token
 * may come as `?token=` because a browser download cannot set headers.
 */
export function createExportsRoutes(deps: ExportsRoutesDeps): Hono {
  const { config } = deps;
  return new Hono().get('/api/slides/:slideId/export/:file', zValidator('param', ExportParams), async (c) => {
    const { slideId, file } = c.req.valid('param');
    const slide = deps.slides.get(slideId);
    const [kind, ext] = file.split('.') as ['mask' | 'annotated', 'png' | 'tiff'];
    const pixels = slide.width * slide.height;
    if (ext === 'png' && pixels > config.maxPngExportPixels) {
      throw new ApiError(
        'EXPORT_TOO_LARGE',
        `slide ${slideId} has ${pixels} pixels, over the PNG export limit of ${config.maxPngExportPixels}; ` +
          `use export/${kind}.tiff`,
        'file',
      );
    }
    const tmp = join(deps.paths.root, 'cache', 'exports', `${randomId('jb').replace('jb_', 'ex-')}.${ext}`);
    const { bytes } = await writeMaskExport({ store: deps.store, paths: deps.paths }, slide, tmp, {
      kind,
      format: ext,
    });
    if (c.req.raw.signal.aborted) {
      await rm(tmp, { force: true });
      c.req.raw.signal.throwIfAborted();
    }
    const stream = createReadStream(tmp);
    // After the last byte, or when the client goes away mid-download (the web stream is cancelled).
    stream.once('close', () => void rm(tmp, { force: true }));
    const base = slide.name.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]+/g, '_') || slide.id;
    return c.body(Readable.toWeb(stream) as ReadableStream<Uint8Array>, 200, {
      'content-type': ext === 'png' ? 'image/png' : 'image/tiff',
      'content-length': String(bytes),
      'content-disposition': `attachment; filename="${base}-${kind}.${ext}"`,
      'cache-control': 'no-store',
    });
  });
}
