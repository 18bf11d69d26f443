import type { ErrorCode } from '@activeseg/protocol';

/**
 * An error the client should see, with a protocol code. Thrown anywhere in the daemon (slides, jobs, routes);
 * the app's single `onError` turns it into `ErrorBody` with `httpStatusOf(code)`. Lives outside `http/` so
 * loaders and jobs can throw it without importing hono.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
