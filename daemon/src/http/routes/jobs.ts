import { JobParams, StartJobRequest } from '@activeseg/protocol';
import { Hono } from 'hono';
import type { ModelEngine } from '../../engine/model-engine-api.js';
import { ApiError } from '../../errors/api-error.js';
import type { JobQueue } from '../../jobs/job-queue.js';
import type { SlideCatalog } from '../../project/slide-catalog.js';
import { zValidator } from '../validate.js';

export function createJobsRoutes(deps: { jobs: JobQueue; engine: ModelEngine | null; slides: SlideCatalog }): Hono {
  return new Hono()
    .post('/api/jobs', zValidator('json', StartJobRequest), (c) => {
      const request = c.req.valid('json');
      if (!deps.engine) throw new ApiError('MODEL_NOT_READY', 'no model engine is loaded in this daemon');
      if (request.kind === 'infer') deps.slides.get(request.slideId);
      return c.json(deps.jobs.start(request), 202);
    })
    .get('/api/jobs/:jobId', zValidator('param', JobParams), (c) => c.json(deps.jobs.get(c.req.valid('param').jobId)))
    .post('/api/jobs/:jobId/cancel', zValidator('param', JobParams), (c) =>
      c.json(deps.jobs.cancel(c.req.valid('param').jobId)),
    );
}
