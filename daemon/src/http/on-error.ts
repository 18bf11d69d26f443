import { type ErrorBody, type ErrorCode, httpStatusOf } from '@activeseg/protocol';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError } from '../errors/api-error.js';
import { diskFullError, isDiskFull } from '../errors/disk-full.js';

export type Logger = (message: string, err?: unknown) => void;

/** The single error → response mapping: `ApiError` via the protocol table, hono's own 4xx, anything else 500. */
export function createErrorHandler(log: Logger) {
  return (err: Error, c: Context): Response => {
    let code: ErrorCode;
    let message: string;
    let field: string | undefined;
    if (err instanceof ApiError) {
      ({ code, message, field } = err);
    } else if (err instanceof HTTPException && err.status < 500) {
      // hono raises these itself: malformed JSON (400) and bodyLimit (413).
      code = err.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
      message = err.message || 'bad request';
    } else {
      const storage = storageProblem(err);
      if (storage?.code !== 'DISK_FULL') log(`unhandled error on ${c.req.method} ${c.req.path}`, err);
      code = storage?.code ?? 'INTERNAL';
      message = storage?.message ?? 'internal error; see the daemon log';
    }
    const body: ErrorBody = { error: { code, message, ...(field === undefined ? {} : { field }) } };
    // bodyLimit stops reading mid-body and the server then drops the socket; without `Connection: close` a
    // keep-alive client reuses that socket for its next request and gets a bare "socket hang up".
    if (code === 'PAYLOAD_TOO_LARGE') c.header('connection', 'close');
    return c.json(body, httpStatusOf(code) as ContentfulStatusCode);
  };
}

/**
 * A full or read-only project folder is the user's to fix, so say so instead of "internal error". Nothing was
 * stored (files are written atomically before their rows commit), so the request can simply be retried.
 * A full disk has its own code (DISK_FULL, 507) so the viewer can offer to free space.
 */
export function storageProblem(err: unknown): ApiError | undefined {
  if (isDiskFull(err)) return diskFullError();
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code.startsWith('SQLITE_READONLY')) {
    return new ApiError(
      'INTERNAL',
      'the project folder is read-only or not writable: nothing was saved; fix its permissions and retry',
    );
  }
  return undefined;
}
