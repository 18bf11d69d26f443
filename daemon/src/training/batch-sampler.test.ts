import { createRng } from '@activeseg/shared';
import { describe, expect, it } from 'vitest';
import { createBatchSampler } from './batch-sampler.js';

describe('createBatchSampler', () => {
  it('visits every patch once before repeating any', () => {
    const next = createBatchSampler(7, createRng(1));
    const seen = [...next(5), ...next(2)];
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('fills a batch larger than the training set by repeating patches', () => {
    const batch = createBatchSampler(2, createRng(1))(5);
    expect(batch).toHaveLength(5);
    expect(new Set(batch)).toEqual(new Set([0, 1]));
  });
});
