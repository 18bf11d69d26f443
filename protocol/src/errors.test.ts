import { describe, expect, expectTypeOf, it } from 'vitest';
import { ERROR_CODES, ErrorBody, type ErrorCode, httpStatusOf } from './errors.js';

describe('ERROR_CODES', () => {
  it('keys equal values and are SCREAMING_SNAKE', () => {
    for (const [key, value] of Object.entries(ERROR_CODES)) {
      expect(value).toBe(key);
      expect(key).toMatch(/^[A-Z][A-Z0-9_]*$/);
    }
  });

  it('maps every code to a 4xx/5xx status', () => {
    for (const code of Object.values(ERROR_CODES)) {
      const status = httpStatusOf(code);
      expect(status >= 400 && status < 600).toBe(true);
    }
    expect(httpStatusOf('UNAUTHORIZED')).toBe(401);
    expect(httpStatusOf('SLIDE_NOT_FOUND')).toBe(404);
    expect(httpStatusOf('PAYLOAD_TOO_LARGE')).toBe(413);
    expect(httpStatusOf('MODEL_NOT_READY')).toBe(503);
    expect(httpStatusOf('DISK_FULL')).toBe(507);
    expect(httpStatusOf('HOST_NOT_ALLOWED')).toBe(421);
  });

  it('ErrorBody accepts known codes and rejects others', () => {
    expect(ErrorBody.parse({ error: { code: 'BAD_REQUEST', message: 'x', field: 'region.x' } })).toBeTruthy();
    const bad = ErrorBody.safeParse({ error: { code: 'NOPE', message: 'x' } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['error', 'code']);
    expectTypeOf<ErrorBody['error']['code']>().toEqualTypeOf<ErrorCode>();
  });
});
