import type { StartJobRequest } from '@activeseg/protocol';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors/api-error.js';
import { useTempStore } from '../testing/temp-store.js';
import type { JobEvent, JobEventSink } from './job-events.js';
import { createJobQueue, type JobContext, type JobRunner } from './job-queue.js';

const temp = useTempStore();

/** A runner that steps only when the test releases it, so ordering is deterministic. */
function gatedRunner(log: string[]) {
  const gates: (() => void)[] = [];
  const runner: JobRunner = async (req, ctx: JobContext) => {
    log.push(`start ${req.kind === 'infer' ? req.slideId : 'train'}`);
    for (let i = 1; i <= 2; i++) {
      await new Promise<void>((resolve, reject) => {
        gates.push(resolve);
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
      });
      ctx.progress(i, 2);
    }
    log.push(`end ${req.kind === 'infer' ? req.slideId : 'train'}`);
    return req.kind === 'train' ? { modelVersion: 7 } : undefined;
  };
  const release = async () => {
    while (gates.length === 0) await new Promise((r) => setTimeout(r, 1));
    gates.shift()?.();
    await new Promise((r) => setTimeout(r, 1));
  };
  return { runner, release };
}

const infer = (slideId: string): StartJobRequest => ({ kind: 'infer', slideId });

describe('createJobQueue', () => {
  it('runs one job at a time in FIFO order, persists and broadcasts states and progress', async () => {
    const sent: JobEvent[] = [];
    const events: JobEventSink = { emit: (e) => sent.push(e) };
    const log: string[] = [];
    const { runner, release } = gatedRunner(log);
    const q = createJobQueue({
      jobs: temp.store.jobs,
      events,
      runners: { infer: runner, train: runner },
      progressIntervalMs: 0,
    });
    const a = q.start(infer('sl_a'));
    const b = q.start({ kind: 'train', mode: 'finetune' });
    expect(a.state).toBe('queued');
    for (let i = 0; i < 4; i++) await release();
    await q.idle();
    expect(log).toEqual(['start sl_a', 'end sl_a', 'start train', 'end train']);
    expect(q.get(a.id)).toMatchObject({ state: 'done', progress: { done: 2, total: 2 } });
    expect(temp.store.jobs.get(b.id)?.state).toBe('done');
    const states = sent
      .filter((m) => m.type === 'job.state')
      .map((m) => m.type === 'job.state' && `${m.jobId === a.id ? 'a' : 'b'}:${m.state}`);
    expect(states).toEqual(['a:queued', 'b:queued', 'a:running', 'a:done', 'b:running', 'b:done']);
    expect(sent.find((m) => m.type === 'job.state' && m.state === 'done' && m.jobId === b.id)).toMatchObject({
      modelVersion: 7,
    });
    expect(sent.filter((m) => m.type === 'job.progress').length).toBe(4);
  });

  it('refuses duplicates, cancels queued and running jobs, and rejects cancelling finished ones', async () => {
    const events: JobEventSink = { emit: () => {} };
    const log: string[] = [];
    const { runner, release } = gatedRunner(log);
    const q = createJobQueue({ jobs: temp.store.jobs, events, runners: { infer: runner, train: runner } });
    const a = q.start(infer('sl_a'));
    expect(() => q.start(infer('sl_a'))).toThrow(ApiError);
    const b = q.start(infer('sl_b'));
    expect(q.cancel(b.id).state).toBe('cancelled');
    await release();
    q.cancel(a.id);
    await q.idle();
    expect(q.get(a.id)).toMatchObject({ state: 'cancelled', error: { code: 'JOB_CANCELLED' } });
    expect(log).toEqual(['start sl_a']);
    expect(() => q.cancel(a.id)).toThrow(expect.objectContaining({ code: 'JOB_NOT_CANCELLABLE' }));
    expect(() => q.cancel('jb_nope')).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
  });

  it('marks failures with their code and fails interrupted jobs at startup', async () => {
    const events: JobEventSink = { emit: () => {} };
    const failing: JobRunner = async () => {
      throw new ApiError('NO_TRAINING_DATA', 'nothing to train on');
    };
    const q = createJobQueue({ jobs: temp.store.jobs, events, runners: { infer: failing, train: failing } });
    const j = q.start({ kind: 'train', mode: 'scratch' });
    await q.idle();
    expect(q.get(j.id).error).toEqual({ code: 'NO_TRAINING_DATA', message: 'nothing to train on' });

    // Simulate a crash mid-run: a row left 'running', then a new queue over the same store.
    const { runner } = gatedRunner([]);
    const q2 = createJobQueue({ jobs: temp.store.jobs, events, runners: { infer: runner, train: runner } });
    const stuck = q2.start(infer('sl_x'));
    await new Promise((r) => setTimeout(r, 5));
    expect(temp.store.jobs.get(stuck.id)?.state).toBe('running');
    const q3 = createJobQueue({
      jobs: temp.store.jobs,
      events,
      runners: { infer: runner, train: runner },
      log: () => {},
    });
    expect(q3.get(stuck.id)).toMatchObject({
      state: 'failed',
      error: { code: 'DAEMON_RESTARTED', message: 'daemon restarted' },
    });
  });

  it('ends a train job whose model was kept aside `done` with its warning, stored and broadcast', async () => {
    const sent: JobEvent[] = [];
    const warning = 'v3 scored Dice 0.250 on its 4 validation patches, below the current v2’s 0.763';
    const q = createJobQueue({
      jobs: temp.store.jobs,
      events: { emit: (e) => sent.push(e) },
      runners: {
        infer: async () => undefined,
        train: async () => ({ modelVersion: 3, promoted: false, warning }),
      },
    });
    const job = q.start({ kind: 'train', mode: 'finetune' });
    await q.idle();
    expect(q.get(job.id)).toMatchObject({ state: 'done', warning });
    expect(sent.at(-1)).toEqual({
      type: 'job.state',
      jobId: job.id,
      kind: 'train',
      state: 'done',
      modelVersion: 3,
      promoted: false,
      warning,
    });
  });
});
