import { describe, expect, it } from 'vitest';
import { useTempStore } from '../testing/temp-store.js';
import type { JobEvent } from './job-events.js';
import { queuedJobRecord } from './job-info.js';
import { createJobReporter } from './job-reporter.js';

const temp = useTempStore();

describe('createJobReporter', () => {
  it('persists and emits states; throttles progress but always reports the last step, with an ETA from the rate', () => {
    let t = 1_000;
    const events: JobEvent[] = [];
    const reporter = createJobReporter({
      jobs: temp.store.jobs,
      events: { emit: (e) => events.push(e) },
      progressIntervalMs: 100,
      now: () => t,
    });
    reporter.queued(queuedJobRecord('jb_1', { kind: 'infer', slideId: 'sl_1' }, 'then'));
    reporter.transition('jb_1', 'infer', 'running');
    const progress = reporter.progressOf('jb_1', 'infer');
    t += 50;
    progress(1, 4); // first report: written
    t += 50;
    progress(2, 4); // 50 ms after the last write: dropped
    t += 100;
    progress(3, 4);
    t += 10;
    progress(4, 4); // final: never dropped
    reporter.transition('jb_1', 'infer', 'done', { modelVersion: 2 });

    expect(events.map((e) => (e.type === 'job.state' ? e.state : e.type === 'job.progress' ? e.done : e.type))).toEqual(
      ['queued', 'running', 1, 3, 4, 'done'],
    );
    // 3 of 4 done 200 ms after the start: one more takes about 67 ms.
    expect(events[3]).toMatchObject({ type: 'job.progress', done: 3, total: 4, etaMs: 67 });
    expect(events[4]).not.toHaveProperty('etaMs');
    expect(events[5]).toMatchObject({ type: 'job.state', state: 'done', modelVersion: 2 });
    expect(temp.store.jobs.get('jb_1')).toMatchObject({ state: 'done', progressDone: 4, progressTotal: 4 });
  });

  it('marks jobs a previous process left running as failed with DAEMON_RESTARTED', () => {
    const reporter = createJobReporter({ jobs: temp.store.jobs, events: { emit: () => {} } });
    reporter.queued(queuedJobRecord('jb_2', { kind: 'train', mode: 'finetune' }, 'then'));
    reporter.transition('jb_2', 'train', 'running');
    expect(reporter.failInterrupted()).toEqual(['jb_2']);
    expect(temp.store.jobs.get('jb_2')).toMatchObject({ state: 'failed', errorCode: 'DAEMON_RESTARTED' });
  });

  it('announces the version a train job stored (model.added) before its done state; infer and failed jobs do not', () => {
    const events: JobEvent[] = [];
    const reporter = createJobReporter({ jobs: temp.store.jobs, events: { emit: (e) => events.push(e) } });
    reporter.queued(queuedJobRecord('jb_t', { kind: 'train', mode: 'finetune' }, 'then'));
    reporter.transition('jb_t', 'train', 'done', { modelVersion: 3 });
    reporter.queued(queuedJobRecord('jb_f', { kind: 'train', mode: 'finetune' }, 'then'));
    reporter.transition('jb_f', 'train', 'failed', { error: { code: 'INTERNAL', message: 'x' } });
    expect(events.map((e) => e.type)).toEqual(['job.state', 'model.added', 'job.state', 'job.state', 'job.state']);
    expect(events[1]).toEqual({ type: 'model.added', modelVersion: 3 });
  });
});
