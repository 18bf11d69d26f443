import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { ApiError } from '../../errors/api-error.js';
import { contentTypeOf } from './content-type-of.js';
import { resolveStaticPath } from './resolve-static-path.js';

export interface SendStaticFileOptions {
  /** Folder served from. */
  root: string;
  /** Raw (percent-encoded) path below the route prefix, e.g. `index-Ab12Cd34.js`. */
  rawRelative: string;
  cacheControl: string;
  /** Extra response headers (e.g. the page's referrer policy). */
  headers?: Record<string, string>;
}

/**
 * Answers one file from `root` with its content type, length, an ETag (304 on a match) and `nosniff`.
 * Malformed paths → BAD_REQUEST, missing/hidden/non-file/escaping-by-symlink → NOT_FOUND. The body is
 * streamed; HEAD opens nothing.
 */
export async function sendStaticFile(c: Context, options: SendStaticFileOptions): Promise<Response> {
  const resolved = resolveStaticPath(options.root, options.rawRelative);
  if (!resolved.ok) {
    if (resolved.reason === 'malformed') throw new ApiError('BAD_REQUEST', 'malformed static file path');
    throw new ApiError('NOT_FOUND', 'no such file');
  }
  const [realRoot, realFile] = await Promise.all([
    realpath(options.root).catch(() => undefined),
    realpath(resolved.path).catch(() => undefined),
  ]);
  if (!realRoot || !realFile?.startsWith(realRoot + sep)) throw new ApiError('NOT_FOUND', 'no such file');
  const st = await stat(realFile).catch(() => undefined);
  if (!st?.isFile()) throw new ApiError('NOT_FOUND', 'no such file');

  const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  const headers: Record<string, string> = {
    'content-type': contentTypeOf(realFile),
    'cache-control': options.cacheControl,
    etag,
    'x-content-type-options': 'nosniff',
    ...options.headers,
  };
  const inm = c.req.header('if-none-match');
  if (inm?.split(',').some((t) => t.trim() === etag)) {
    return new Response(null, { status: 304, headers });
  }
  headers['content-length'] = String(st.size);
  if (c.req.method === 'HEAD') return new Response(null, { status: 200, headers });
  const body = Readable.toWeb(createReadStream(realFile)) as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers });
}
