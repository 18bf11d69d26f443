import type { PixelSize } from '@activeseg/protocol';
import type { DaemonConfig } from '../config.js';
import { ingestSlide } from '../slides/ingest-slide.js';
import type { SlideRecord, SlidesRepo } from '../store/slides-repo.js';
import type { ProjectPaths } from './project-paths.js';
import { randomId } from './random-id.js';

export interface AddSlideDeps {
  config: Pick<DaemonConfig, 'maxSlidePixels' | 'convertAbovePixels'>;
  paths: ProjectPaths;
  slidesRepo: SlidesRepo;
  /** Told once the slide's row is stored (the server announces it to every open page). */
  onSlideAdded?: (record: SlideRecord) => void;
}

export interface AddSlideOptions {
  /** A file the daemon can read, or an OME-Zarr directory. */
  path: string;
  /** Id to store the slide under; default a new one. Uploads pick it first, to place the file under it. */
  id?: string;
  /** Display name; default the file name. */
  name?: string;
  /** Overrides the pixel size in the file's OME metadata. */
  pixelSize?: PixelSize;
  signal?: AbortSignal;
}

/**
 * The one way a slide enters a project, shared by `POST /api/slides` (a path) and `POST /api/uploads` (bytes
 * written to a file first): ingest (format checks, conversion, SLIDE_* errors), then insert the record.
 */
export async function addSlide(deps: AddSlideDeps, options: AddSlideOptions): Promise<SlideRecord> {
  const id = options.id ?? randomId('sl');
  const ingested = await ingestSlide(options.path, {
    pyramidPath: deps.paths.pyramid(id),
    maxSlidePixels: deps.config.maxSlidePixels,
    convertAbovePixels: deps.config.convertAbovePixels,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const record: SlideRecord = {
    id,
    name: options.name ?? ingested.name,
    sourcePath: options.path,
    readPath: deps.paths.toRelative(ingested.readPath),
    width: ingested.source.width,
    height: ingested.source.height,
    format: ingested.source.format,
    createdAt: new Date().toISOString(),
    pixelSize: options.pixelSize ?? ingested.pixelSize,
    ...(ingested.warnings?.length ? { warnings: ingested.warnings } : {}),
    sections: ingested.source.sections ?? 1,
  };
  deps.slidesRepo.insert(record);
  deps.onSlideAdded?.(record);
  return record;
}
