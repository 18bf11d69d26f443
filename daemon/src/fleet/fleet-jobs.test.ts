import { describe, expect, it } from 'vitest';
import { decodeFailure, encodeFailure, FleetJobResult } from './fleet-jobs.js';

describe('fleet failure reasons', () => {
  it('round-trip a protocol error code and its message', () => {
    expect(decodeFailure(encodeFailure('MODEL_NOT_READY', 'worker holds v1: wants v2'))).toEqual({
      code: 'MODEL_NOT_READY',
      message: 'worker holds v1: wants v2',
    });
  });

  it('read anything else (an unknown code, a stack trace, nothing) as INTERNAL with the whole reason', () => {
    expect(decodeFailure('NOT_A_CODE: boom')).toEqual({ code: 'INTERNAL', message: 'NOT_A_CODE: boom' });
    expect(decodeFailure('TypeError: x is undefined')).toEqual({
      code: 'INTERNAL',
      message: 'TypeError: x is undefined',
    });
    expect(decodeFailure(undefined)).toEqual({ code: 'INTERNAL', message: 'worker failed' });
  });
});

describe('FleetJobResult', () => {
  it("carries a worker's trained version with the promotion rule's verdict, so a kept-aside model stays aside", () => {
    const kept = { modelVersion: 3, promoted: false, warning: 'v3 scored Dice 0.250 …: kept, not made current' };
    expect(FleetJobResult.parse(kept)).toEqual(kept);
    expect(FleetJobResult.parse({ modelVersion: 4 })).toEqual({ modelVersion: 4 });
    expect(FleetJobResult.safeParse({ modelVersion: 3, promoted: 'no' }).success).toBe(false);
  });
});
