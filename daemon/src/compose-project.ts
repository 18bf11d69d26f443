import type { Region } from '@activeseg/protocol';
import type { DaemonConfig } from './config.js';
import type { ModelEngine } from './engine/model-engine-api.js';
import { ApiError } from './errors/api-error.js';
import { createAutoInfer } from './jobs/auto-infer.js';
import { createJobRunners } from './jobs/create-job-runners.js';
import type { JobBackend } from './jobs/job-backend.js';
import type { JobEventSink } from './jobs/job-events.js';
import { createJobQueue, type JobQueue } from './jobs/job-queue.js';
import { createViewerFocus, type ViewerFocus } from './jobs/viewer-focus.js';
import { type AnnotationPreparer, createAnnotationPreparer } from './project/annotation-preparer.js';
import { dropOverlayTiles } from './project/drop-overlay-tiles.js';
import { createPreAnnotationScorer, type PreAnnotationScorer } from './project/pre-annotation-scorer.js';
import { createProjectPaths, type ProjectPaths } from './project/project-paths.js';
import { createSlideCatalog, type SlideCatalog } from './project/slide-catalog.js';
import { createTileCache, type TileCache } from './slides/tile-cache.js';
import { openStore, type Store } from './store/db.js';
import { createHub, type Hub } from './ws/hub.js';
import { createPatchHolds, type PatchHolds } from './ws/patch-holds.js';

export interface ComposeProjectOptions {
  projectDir: string;
  config: DaemonConfig;
  /** The model engine; null until the model layer is wired (jobs then answer MODEL_NOT_READY). */
  engine: ModelEngine | null;
  /** Runs jobs somewhere else (the BullMQ worker fleet); default: the embedded queue, in this process. */
  jobBackend?: JobBackend;
  log?: (message: string, err?: unknown) => void;
}

/** Everything the app serves from, built from a project folder. `close()` stops jobs and closes the database. */
export interface Project {
  readonly config: DaemonConfig;
  readonly paths: ProjectPaths;
  readonly store: Store;
  readonly slides: SlideCatalog;
  readonly hub: Hub;
  /** Which socket edits which patch (announced on the hub as `patch.holds`). */
  readonly holds: PatchHolds;
  readonly jobs: JobQueue;
  readonly engine: ModelEngine | null;
  readonly tileCache: TileCache;
  /** What connected viewers look at (fed by their sockets): inference scores it first, auto-inference targets it. */
  readonly focus: ViewerFocus;
  /** Annotation bodies are parsed and decoded in a worker thread (shared by the process, started when the project opens). */
  readonly annotationPreparer: AnnotationPreparer;
  /** Scores annotations against the prediction their annotator saw, once that prediction exists. */
  readonly preScorer: PreAnnotationScorer;
  close(): Promise<void>;
}

/**
 * The composition root: builds a project's parts from its folder and wires them (store, slides, the hub as the jobs'
 * event sink, the embedded or the fleet job queue). The only place that knows every layer.
 */
export function composeProject(options: ComposeProjectOptions): Project {
  const { config, engine } = options;
  const paths = createProjectPaths(options.projectDir);
  const store = openStore(paths.root);
  const slides = createSlideCatalog({ slides: store.slides, paths, maxSlidePixels: config.maxSlidePixels });
  const hub = createHub({ replayBufferSize: config.wsReplayBufferSize, maxBufferedBytes: config.wsMaxBufferedBytes });
  const holds = createPatchHolds({
    timeoutMs: config.patchHoldTimeoutMs,
    onChange: (slideId) => hub.announce({ type: 'patch.holds', slideId, holds: holds.list(slideId) }),
  });
  const tileCache = createTileCache(options.log ? { log: options.log } : {});
  const annotationPreparer = createAnnotationPreparer({ maxAnnotationPixels: config.maxAnnotationPixels });
  const preScorer = createPreAnnotationScorer({ store, paths, ...(options.log ? { log: options.log } : {}) });
  const focus = createViewerFocus();
  const autoInfer = createAutoInfer({
    enabled: config.autoInfer,
    focus,
    slideIds: () => store.slides.list().map((s) => s.id),
    // `jobs` is built below, and reports through `events`: the first event comes after it exists.
    startJob: (request) => void jobs.start(request),
    ...(options.log ? { log: options.log } : {}),
  });
  // Jobs report events; here they become WebSocket frames, and a finished training closes the loop. New maps may
  // be the prediction a pending annotation was made against, so they also wake the pre-annotation scorer.
  const events: JobEventSink = {
    emit: (event) => {
      hub.broadcast(event);
      autoInfer.onJobEvent(event);
      if (event.type === 'tiles.updated' || event.type === 'suggestions.updated') preScorer.schedule(event.slideId);
    },
  };

  const onOverlayChanged = (slideId: string, region: Region, modelVersion: number, z = 0): Promise<void> =>
    dropOverlayTiles({ slides: store.slides, paths, tileSize: config.dziTileSize }, slideId, region, modelVersion, z);

  const unavailable = async (): Promise<never> => {
    throw new ApiError('MODEL_NOT_READY', 'no model engine is loaded');
  };
  const runners = engine
    ? createJobRunners({ engine, store, paths, slides, events, config, onOverlayChanged, focus })
    : { infer: unavailable, train: unavailable };
  const jobs: JobQueue = options.jobBackend
    ? options.jobBackend({
        config,
        store,
        slides,
        events,
        engine,
        onOverlayChanged,
        focus,
        ...(options.log ? { log: options.log } : {}),
      })
    : createJobQueue({ jobs: store.jobs, events, runners, ...(options.log ? { log: options.log } : {}) });

  return {
    config,
    paths,
    store,
    slides,
    hub,
    holds,
    jobs,
    engine,
    tileCache,
    focus,
    annotationPreparer,
    preScorer,
    async close() {
      holds.close();
      await jobs.close();
      await preScorer.idle();
      store.close();
    },
  };
}
