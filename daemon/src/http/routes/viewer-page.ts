import { Hono } from 'hono';
import { ApiError } from '../../errors/api-error.js';
import { sendStaticFile } from '../static/send-static-file.js';

export interface ViewerPageRoutesDeps {
  /** `viewer-plugin/dist/page` (see `resolveStaticDirs`). */
  pageDir: string;
}

/** Vite's `[name]-[hash].ext` output names: content-addressed, so they can be cached forever. */
const HASHED = /-[A-Za-z0-9_-]{8}(\.[a-z0-9]+)+$/;

const PAGE_HEADERS = {
  // The first load carries `?token=`; keep that URL out of any Referer.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>activeseg: viewer not built</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3em; max-width: 40em">
<h1>The viewer page is not built</h1>
<p>The daemon is running, but <code>viewer-plugin/dist/page</code> does not exist. Build it once with</p>
<pre>npm run build -w viewer-plugin</pre>
<p>then reload this page (keep the <code>?token=</code> part of the address).</p>
</body></html>
`;

/** Raw (still percent-encoded) path below `prefix`, or BAD_REQUEST when the raw path does not start with it. */
export function rawPathAfter(url: string, prefix: string): string {
  const pathname = new URL(url).pathname;
  if (!pathname.startsWith(prefix)) throw new ApiError('BAD_REQUEST', 'malformed static file path');
  return pathname.slice(prefix.length);
}

/**
 * `GET /` → the built viewer page, `GET /assets/*` → its bundles. No token: the page reads `?token=` itself
 * and sends it on every API call. The page revalidates every load (no-cache + ETag); hashed assets are immutable.
 */
export function createViewerPageRoutes(deps: ViewerPageRoutesDeps): Hono {
  return new Hono()
    .get('/', async (c) => {
      try {
        return await sendStaticFile(c, {
          root: deps.pageDir,
          rawRelative: 'index.html',
          cacheControl: 'no-cache',
          headers: PAGE_HEADERS,
        });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 'NOT_FOUND')) throw err;
        return c.html(NOT_BUILT, 503, { 'cache-control': 'no-store', ...PAGE_HEADERS });
      }
    })
    .get('/assets/*', (c) => {
      const rawRelative = rawPathAfter(c.req.url, '/assets/');
      return sendStaticFile(c, {
        root: `${deps.pageDir}/assets`,
        rawRelative,
        cacheControl: HASHED.test(rawRelative) ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
    });
}
