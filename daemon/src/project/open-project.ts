import { rm } from 'node:fs/promises';
import type { Region } from '@activeseg/protocol';
import type { DaemonConfig } from '../config.js';
import { createJobRunners } from '../jobs/create-job-runners.js';
import type { Engine } from '../jobs/engine.js';
import { createJobQueue, type JobQueue } from '../jobs/job-queue.js';
import { dziLayout, dziTileBounds } from '../slides/dzi.js';
import { createTileCache, type TileCache } from '../slides/tile-cache.js';
import { openStore, type Store } from '../store/db.js';
import { createHub, type Hub } from '../ws/hub.js';
import { type AnnotationPreparer, createAnnotationPreparer } from './annotation-preparer.js';
import { ApiError } from './api-error.js';
import { createProjectPaths, type ProjectPaths } from './project-paths.js';
import { createSlideCatalog, type SlideCatalog } from './slide-catalog.js';

export interface OpenProjectOptions {
  projectDir: string;
  config: DaemonConfig;
  /** The model engine; null until the model layer is wired (jobs then answer MODEL_NOT_READY). */
  engine: Engine | null;
  /** Runs jobs somewhere else (the BullMQ worker fleet); default: the embedded queue, in this process. */
  jobBackend?: JobBackend;
  log?: (message: string, err?: unknown) => void;
}

/** What a remote job backend gets from the project to schedule, persist and report jobs like the embedded queue. */
export interface JobBackendDeps {
  config: DaemonConfig;
  store: Store;
  slides: SlideCatalog;
  hub: Hub;
  engine: Engine | null;
  onOverlayChanged(slideId: string, region: Region, modelVersion: number): Promise<void>;
  log?: (message: string, err?: unknown) => void;
}
export type JobBackend = (deps: JobBackendDeps) => JobQueue;

/** Everything the app serves from, built from a project folder. `close()` stops jobs and closes the database. */
export interface Project {
  readonly config: DaemonConfig;
  readonly paths: ProjectPaths;
  readonly store: Store;
  readonly slides: SlideCatalog;
  readonly hub: Hub;
  readonly jobs: JobQueue;
  readonly engine: Engine | null;
  readonly tileCache: TileCache;
  /** Annotation bodies are parsed and decoded in a worker thread (shared by the process, started when the project opens). */
  readonly annotationPreparer: AnnotationPreparer;
  close(): Promise<void>;
}

export function openProject(options: OpenProjectOptions): Project {
  const { config, engine } = options;
  const paths = createProjectPaths(options.projectDir);
  const store = openStore(paths.root);
  const slides = createSlideCatalog({ slides: store.slides, paths, maxSlidePixels: config.maxSlidePixels });
  const hub = createHub({ replayBufferSize: config.wsReplayBufferSize, maxBufferedBytes: config.wsMaxBufferedBytes });
  const tileCache = createTileCache(options.log ? { log: options.log } : {});
  const annotationPreparer = createAnnotationPreparer({ maxAnnotationPixels: config.maxAnnotationPixels });

  // Cached overlay tiles at every level over a re-scored patch are stale; drop them so the next fetch
  // (triggered by tiles.updated) renders fresh ones.
  const onOverlayChanged = async (slideId: string, region: Region, modelVersion: number): Promise<void> => {
    const slide = store.slides.get(slideId);
    if (!slide) return;
    const layout = dziLayout(slide, config.dziTileSize);
    const removals: Promise<void>[] = [];
    for (let level = 0; level <= layout.maxLevel; level++) {
      const d = 2 ** (layout.maxLevel - level);
      const span = layout.tileSize * d;
      for (let row = Math.floor(region.y / span); row * span < region.y + region.height; row++) {
        for (let col = Math.floor(region.x / span); col * span < region.x + region.width; col++) {
          if (!dziTileBounds(layout, level, col, row)) continue;
          for (const layer of ['uncertainty', 'prediction'] as const) {
            const file = paths.tile({ slideId, layer, modelVersion, level, col, row, ext: 'png' });
            removals.push(rm(file, { force: true }));
          }
        }
      }
    }
    await Promise.all(removals);
  };

  const unavailable = async (): Promise<never> => {
    throw new ApiError('MODEL_NOT_READY', 'no model engine is loaded');
  };
  const runners = engine
    ? createJobRunners({ engine, store, paths, slides, hub, config, onOverlayChanged })
    : { infer: unavailable, train: unavailable };
  const jobs = options.jobBackend
    ? options.jobBackend({
        config,
        store,
        slides,
        hub,
        engine,
        onOverlayChanged,
        ...(options.log ? { log: options.log } : {}),
      })
    : createJobQueue({ jobs: store.jobs, hub, runners, ...(options.log ? { log: options.log } : {}) });

  return {
    config,
    paths,
    store,
    slides,
    hub,
    jobs,
    engine,
    tileCache,
    annotationPreparer,
    async close() {
      await jobs.close();
      store.close();
    },
  };
}
