import { describe, expect, it } from 'vitest';
import { formatDuration, formatJobLine, progressFraction } from './format-job.js';

describe('format-job', () => {
  it('formats durations', () => {
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
    expect(formatDuration(-5)).toBe('0 s');
  });

  it('describes running inference and training jobs', () => {
    expect(formatJobLine({ jobId: 'j', kind: 'infer', state: 'running', done: 3, total: 10, etaMs: 7000 })).toBe(
      'infer running · 3/10 · ETA 7 s',
    );
    expect(
      formatJobLine({
        jobId: 'j',
        kind: 'train',
        state: 'running',
        done: 2,
        total: 5,
        epoch: 2,
        loss: 0.12345,
        valDice: 0.8,
      }),
    ).toBe('train running · 2/5 · epoch 2 · loss 0.1235 · val Dice 0.800');
    expect(formatJobLine({ jobId: 'j', kind: 'infer', state: 'failed', done: 0, total: 0, error: 'boom' })).toBe(
      'infer failed · boom',
    );
  });

  it('names the slide of an inference job and the mode of a training job', () => {
    const slides = [{ id: 'sl_a', name: 'V915.png' }];
    const job = { jobId: 'j', state: 'queued', done: 0, total: 0 } as const;
    expect(formatJobLine({ ...job, kind: 'infer', slideId: 'sl_a' }, slides)).toBe('infer V915.png queued');
    // A slide the list does not hold (yet) is named by its id rather than not at all.
    expect(formatJobLine({ ...job, kind: 'infer', slideId: 'sl_b' }, slides)).toBe('infer sl_b queued');
    expect(formatJobLine({ ...job, kind: 'train', mode: 'finetune' })).toBe('train (fine-tune) queued');
    expect(formatJobLine({ ...job, kind: 'train', mode: 'scratch' })).toBe('train (from scratch) queued');
  });

  it("ends a kept-aside training's line with the warning that its model was not made current", () => {
    expect(
      formatJobLine({
        jobId: 'j',
        kind: 'train',
        state: 'done',
        done: 1,
        total: 1,
        warning: 'v3 … kept, not made current',
      }),
    ).toBe('train done · 1/1 · v3 … kept, not made current');
  });

  it('progress fraction is clamped and safe for total 0', () => {
    expect(progressFraction({ done: 5, total: 10 })).toBe(0.5);
    expect(progressFraction({ done: 0, total: 0 })).toBe(0);
    expect(progressFraction({ done: 11, total: 10 })).toBe(1);
  });
});
