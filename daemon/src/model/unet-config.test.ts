import { describe, expect, it } from 'vitest';
import { filtersAtLevel, parseUnetConfig } from './unet-config.js';

describe('parseUnetConfig', () => {
  it('fills in the paper defaults', () => {
    expect(parseUnetConfig()).toEqual({
      inputSize: 512,
      channels: 1,
      levels: 5,
      baseFilters: 32,
      dropoutRate: 0.2,
      decoderDropout: true,
      loss: 'dice',
      kernelInitializer: 'heNormal',
    });
  });

  it('doubles filters per level', () => {
    const config = parseUnetConfig();
    expect([1, 2, 3, 4, 5].map((l) => filtersAtLevel(config, l))).toEqual([32, 64, 128, 256, 512]);
  });

  it('rejects an input size not divisible by 2^(levels-1), naming inputSize', () => {
    expect(() => parseUnetConfig({ inputSize: 100, levels: 5 })).toThrow(/inputSize: must be divisible by .* = 16/);
    expect(parseUnetConfig({ inputSize: 96, levels: 5 }).inputSize).toBe(96);
  });

  it('names the field of a bad value and lists allowed losses', () => {
    expect(() => parseUnetConfig({ dropoutRate: 1 })).toThrow(/dropoutRate/);
    // @ts-expect-error: runtime validation of a value the type forbids
    expect(() => parseUnetConfig({ loss: 'focal' })).toThrow(/loss: .*dice.*wbce/);
    // @ts-expect-error: unknown keys are typos, not silently ignored
    expect(() => parseUnetConfig({ basefilters: 8 })).toThrow(/basefilters/);
  });
});
