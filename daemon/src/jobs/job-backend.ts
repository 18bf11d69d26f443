import type { Region } from '@activeseg/protocol';
import type { DaemonConfig } from '../config.js';
import type { ModelEngine } from '../engine/model-engine-api.js';
import type { SlideCatalog } from '../project/slide-catalog.js';
import type { Store } from '../store/db.js';
import type { JobEventSink } from './job-events.js';
import type { JobQueue } from './job-queue.js';
import type { ViewerFocus } from './viewer-focus.js';

/** What a remote job backend gets from the project to schedule, persist and report jobs like the embedded queue. */
export interface JobBackendDeps {
  config: DaemonConfig;
  store: Store;
  slides: SlideCatalog;
  events: JobEventSink;
  engine: ModelEngine | null;
  onOverlayChanged(slideId: string, region: Region, modelVersion: number, z?: number): Promise<void>;
  /** What viewers are looking at: an inference's batches holding those cells go first. */
  focus?: Pick<ViewerFocus, 'regions'>;
  log?: (message: string, err?: unknown) => void;
}

/** Runs jobs somewhere other than this process (the BullMQ worker fleet) behind the same `JobQueue` contract. */
export type JobBackend = (deps: JobBackendDeps) => JobQueue;
