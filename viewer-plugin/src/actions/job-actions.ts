import type { TrainMode } from '@activeseg/protocol';
import type { JobView } from '../state/viewer-state.js';
import type { ActionDeps } from './action-deps.js';

export interface JobActions {
  startInference(): void;
  startTraining(mode: TrainMode): void;
  cancelJob(jobId: string): void;
}

export function createJobActions(deps: Pick<ActionDeps, 'http' | 'ws' | 'store' | 'report'>): JobActions {
  const { http, store } = deps;
  const track = (request: ReturnType<typeof http.startJob>, started?: Pick<JobView, 'slideId' | 'mode'>) =>
    void request
      .then((info) => store.dispatch({ type: 'job.info', info, ...(started ? { started } : {}) }))
      .catch(deps.report);
  return {
    startInference() {
      const slide = store.state.slide;
      if (slide)
        track(
          http.startJob({
            kind: 'infer',
            slideId: slide.id,
            acquisition: 'uncertainty',
            // A volume's job scores the section on screen first.
            ...(store.state.section ? { z: store.state.section } : {}),
          }),
          { slideId: slide.id },
        );
    },
    startTraining(mode) {
      track(http.startJob({ kind: 'train', mode }), { mode });
    },
    cancelJob(jobId) {
      // Over the socket when it is up (the daemon answers with job.state); HTTP otherwise.
      if (!deps.ws.send({ type: 'job.cancel', jobId })) track(http.cancelJob(jobId));
    },
  };
}
