import { ApiError } from './api-error.js';

const errnoCode = (err: unknown): string =>
  typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';

/**
 * Whether a failure means the disk (or the user's quota) is full: ENOSPC/EDQUOT from node's fs, SQLITE_FULL from
 * better-sqlite3, and libvips' text from sharp (whose errors carry no errno code), anywhere along `cause`.
 */
export function isDiskFull(err: unknown): boolean {
  let e = err;
  for (let depth = 0; e && depth < 8; depth++) {
    const code = errnoCode(e);
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return true;
    if (e instanceof Error && /No space left on device|Disk quota exceeded|database or disk is full/i.test(e.message)) {
      return true;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The one DISK_FULL answer: nothing was stored (files are written before their rows), so a retry is safe. */
export function diskFullError(): ApiError {
  return new ApiError(
    'DISK_FULL',
    'the project folder is out of disk space: nothing was saved; free some space (e.g. delete a slide) and retry',
  );
}
