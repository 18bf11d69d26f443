import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ProjectTokenOptions {
  /** Make a new token even if the project has one (`serve --new-token`): every open page must use the new URL. */
  rotate?: boolean;
}

export interface ProjectTokenResult {
  token: string;
  /** True when this call made the token (first start, rotation, or an unreadable file). */
  created: boolean;
  path: string;
}

/** 32 random bytes, base64url: what a token file must hold. */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/**
 * The project's one token, kept in `<project>/token` (mode 0600) so a restarted daemon keeps its URL and open
 * pages reconnect. Made on first use or when asked to rotate; a file that does not hold a token is replaced.
 * Synchronous: it runs once at start, before the port is bound.
 */
export function projectToken(projectDir: string, options: ProjectTokenOptions = {}): ProjectTokenResult {
  const path = join(projectDir, 'token');
  if (!options.rotate) {
    let existing: string | undefined;
    try {
      existing = readFileSync(path, 'utf8').trim();
    } catch {}
    if (existing !== undefined && TOKEN_FORMAT.test(existing)) {
      // A copy restored from a backup or made by hand may be readable by others: the token is a password.
      chmodSync(path, 0o600);
      return { token: existing, created: false, path };
    }
  }
  const token = randomBytes(32).toString('base64url');
  mkdirSync(projectDir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  // Created 0600 from the first byte (not chmod after), then renamed over the old one in one step.
  writeFileSync(tmp, `${token}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, path);
  return { token, created: true, path };
}
