import { describe, expect, it } from 'vitest';
import { decodeFailure, encodeFailure } from './fleet-jobs.js';

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
