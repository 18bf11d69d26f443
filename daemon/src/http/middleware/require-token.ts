import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerFromSubprotocols } from '@activeseg/protocol';
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from '../../errors/api-error.js';

export interface RequireTokenOptions {
  /** The per-start secret. */
  token: string;
  /**
   * Origins allowed on state-changing requests and the WS upgrade. Read at request time: server.ts adds the
   * daemon's own origin after binding, when the port is known.
   */
  allowedOrigins: ReadonlySet<string>;
  /**
   * Requests that may carry the token as `?token=`, because browsers cannot set headers on them (OSD tile
   * `<img>` loads, the WebSocket constructor). Defaults to `isBrowserResourceRequest`.
   */
  allowQueryToken?: (c: Context) => boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** GET of tiles, DZI descriptors, exports and the model bundle (browser downloads), and the `/ws` upgrade. */
export function isBrowserResourceRequest(c: Context): boolean {
  if (c.req.method !== 'GET') return false;
  const path = c.req.path;
  return (
    path === '/ws' ||
    path === '/api/models/current/bundle.tar' ||
    /^\/api\/slides\/[^/]+\/(tiles\/|export\/|[^/]+\.dzi$)/.test(path)
  );
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Bearer-token guard for everything except health. Comparison is on SHA-256 digests so `timingSafeEqual`
 * always sees equal lengths and leaks neither the token nor its length. Also rejects foreign Origins on
 * state-changing requests and WS upgrades (a page on another site must not drive the daemon with a token it
 * scraped, nor open the socket via the browser's ambient access to localhost).
 */
export function requireToken(options: RequireTokenOptions): MiddlewareHandler {
  const expected = digest(options.token);
  const allowQuery = options.allowQueryToken ?? isBrowserResourceRequest;
  return async (c, next) => {
    const header = c.req.header('authorization');
    let presented: string | undefined;
    const isUpgrade = c.req.header('upgrade')?.toLowerCase() === 'websocket';
    if (header?.startsWith('Bearer ')) presented = header.slice(7).trim();
    // The browser's WebSocket cannot set Authorization; the viewer offers the token as a subprotocol instead.
    else if (isUpgrade) presented = bearerFromSubprotocols(c.req.header('sec-websocket-protocol'));
    if (presented === undefined && allowQuery(c)) presented = c.req.query('token');
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      throw new ApiError('UNAUTHORIZED', 'missing or invalid token');
    }
    const origin = c.req.header('origin');
    // No Origin header means a non-browser client (CLI, curl), which the token alone authenticates.
    if ((isUpgrade || !SAFE_METHODS.has(c.req.method)) && origin !== undefined && !options.allowedOrigins.has(origin)) {
      throw new ApiError('ORIGIN_FORBIDDEN', `origin ${origin} is not allowed`);
    }
    await next();
  };
}
