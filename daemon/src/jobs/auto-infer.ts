import type { StartJobRequest } from '@activeseg/protocol';
import { ApiError } from '../errors/api-error.js';
import type { JobEvent } from './job-events.js';
import type { ViewerFocus } from './viewer-focus.js';

export interface AutoInferDeps {
  /** `serve --no-auto-infer` / config `autoInfer: false` turns the loop off: a new version then waits for a click. */
  enabled: boolean;
  focus: Pick<ViewerFocus, 'subscribedSlides' | 'lastViewed'>;
  /** Slide ids in the order they were added (the fallback when no viewer has looked at any). */
  slideIds(): readonly string[];
  /** Accepts a job (the queue's `start`); bound late because the queue reports through this module's sink. */
  startJob(request: StartJobRequest): void;
  log?: (message: string, err?: unknown) => void;
}

export interface AutoInfer {
  /** Fed every job event; acts on a training job that ended `done` with a new model version. */
  onJobEvent(event: JobEvent): void;
}

/**
 * The self-closing loop: when a training job ends with a new model version, scores the slides viewers are subscribed
 * to (or, with none, the one viewed last, else the newest) with no click. The infer runner puts the cells under
 * viewers' regions first, the tile updates switch overlays tile by tile, and the job's `suggestions.updated` makes
 * viewers reload their list. Called from inside the queue's `done` transition, so the inference is queued before the
 * queue looks for its next job (and `idle()` waits for it).
 */
export function createAutoInfer(deps: AutoInferDeps): AutoInfer {
  const log = deps.log ?? ((m, e) => console.error(m, e ?? ''));

  const targets = (): string[] => {
    const known = new Set(deps.slideIds());
    const subscribed = deps.focus.subscribedSlides().filter((id) => known.has(id));
    if (subscribed.length > 0) return subscribed;
    const last = deps.focus.lastViewed();
    if (last !== undefined && known.has(last)) return [last];
    const newest = [...known].at(-1);
    return newest === undefined ? [] : [newest];
  };

  return {
    onJobEvent(event) {
      if (!deps.enabled) return;
      if (event.type !== 'job.state' || event.kind !== 'train' || event.state !== 'done') return;
      // A version kept aside (it scored worse than the current one) changes nothing that is shown.
      if (event.modelVersion === undefined || event.promoted === false) return;
      for (const slideId of targets()) {
        try {
          deps.startJob({ kind: 'infer', slideId, acquisition: 'uncertainty' });
        } catch (err) {
          // An inference of this slide is already queued: it reads the current version when it starts.
          if (err instanceof ApiError && err.code === 'JOB_ALREADY_RUNNING') continue;
          log(`scoring slide ${slideId} after training v${event.modelVersion} failed to start`, err);
        }
      }
    },
  };
}
