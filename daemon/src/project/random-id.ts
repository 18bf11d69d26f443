import { randomBytes } from 'node:crypto';

/** `<prefix>_<12 base64url chars>`: 72 random bits, safe in URLs and file names (matches the protocol's Id). */
export function randomId(prefix: 'sl' | 'an' | 'jb'): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}
