import { isAbsolute, relative, resolve, sep } from 'node:path';

/** One path segment we are willing to serve: what Vite and itk-wasm name their files, nothing else. */
const SEGMENT = /^[A-Za-z0-9_@+~-][A-Za-z0-9._@+~-]*$/;

export type ResolveStaticPathResult =
  | { ok: true; path: string }
  /** `malformed`: the request tried something (dot segments, escapes, NUL); `hidden`: a dotfile. */
  | { ok: false; reason: 'malformed' | 'hidden' };

/**
 * Maps the raw, still percent-encoded URL path under a static prefix to a file inside `root`, or refuses.
 * Refused outright: any `%` (so no encoded dots, slashes or NUL can be decoded later), backslashes, NUL,
 * empty, `.` and `..` segments, and characters outside the plain file-name set. Dotfiles are refused as hidden.
 * The joined path is then checked to still lie inside `root` (belt and braces; the segment rule already
 * guarantees it). Symlinks are the caller's concern (compare realpaths before opening).
 */
export function resolveStaticPath(root: string, rawRelative: string): ResolveStaticPathResult {
  if (rawRelative === '' || /[%\\\0]/.test(rawRelative)) return { ok: false, reason: 'malformed' };
  const segments = rawRelative.split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') return { ok: false, reason: 'malformed' };
    if (s.startsWith('.')) return { ok: false, reason: 'hidden' };
    if (!SEGMENT.test(s)) return { ok: false, reason: 'malformed' };
  }
  const base = resolve(root);
  const path = resolve(base, ...segments);
  const rel = relative(base, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
    return { ok: false, reason: 'malformed' };
  }
  return { ok: true, path };
}
