import type { TileLayer } from '@activeseg/protocol';
import { WS_BEARER_PREFIX, WS_SUBPROTOCOL } from '@activeseg/protocol';

export interface TileUrlOptions {
  daemonUrl: string;
  slideId: string;
  layer: TileLayer;
  level: number;
  col: number;
  row: number;
  /** Model version the overlay tile was rendered at; omitted for the image layer, which never changes. */
  modelVersion?: number | undefined;
  /** Section of a volume; 0 or absent leaves it out, so 2D slides keep their URLs. */
  z?: number | undefined;
}

/**
 * `GET /api/slides/:slideId/tiles/:layer/:level/:col_:row.(jpeg|png)?v=<modelVersion>&z=<section>`. Overlays are PNG (they carry alpha),
 * the image is JPEG. Layer and model version are part of the URL, so the browser's and OSD's caches, both
 * keyed by URL, can never show an overlay from another model. The token is never in it: tiles are fetched
 * with `authHeaders` (OSD's `loadTilesWithAjax` + `ajaxHeaders`), so it reaches no console, history or log.
 */
export function tileUrl(options: TileUrlOptions): string {
  const ext = options.layer === 'image' ? 'jpeg' : 'png';
  const path = `/api/slides/${encodeURIComponent(options.slideId)}/tiles/${options.layer}/${options.level}/${options.col}_${options.row}.${ext}`;
  const params = [
    ...(options.modelVersion === undefined ? [] : [`v=${options.modelVersion}`]),
    ...(options.z ? [`z=${options.z}`] : []),
  ];
  const query = params.length ? `?${params.join('&')}` : '';
  return `${trimSlash(options.daemonUrl)}${path}${query}`;
}

/**
 * `GET /api/slides/:slideId/changes/:level/:col_:row.png?from=&to=`: the "what changed" tile between two model
 * versions. Both versions are in the URL, so a cached tile is never one of another pair.
 */
export function changeTileUrl(
  options: Omit<TileUrlOptions, 'layer' | 'modelVersion'> & { from: number; to: number },
): string {
  const path = `/api/slides/${encodeURIComponent(options.slideId)}/changes/${options.level}/${options.col}_${options.row}.png`;
  return `${trimSlash(options.daemonUrl)}${path}?from=${options.from}&to=${options.to}`;
}

/** Headers that authenticate a GET the page makes (tiles, prediction masks). */
export function authHeaders(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

/** RFC 7230 token characters, all a subprotocol name may hold. */
const SUBPROTOCOL_SAFE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface WsEndpoint {
  url: string;
  protocols: string[];
}

/**
 * `ws://host/ws` for an `http://host` daemon. The WebSocket constructor cannot send an Authorization header, so
 * the token travels as a subprotocol (`Sec-WebSocket-Protocol`, a header: never logged as a URL). A token with
 * characters a subprotocol cannot hold falls back to `?token=`.
 */
export function wsEndpoint(options: { daemonUrl: string; token: string }): WsEndpoint {
  const url = new URL('/ws', `${trimSlash(options.daemonUrl)}/`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (SUBPROTOCOL_SAFE.test(options.token))
    return { url: url.toString(), protocols: [WS_SUBPROTOCOL, `${WS_BEARER_PREFIX}${options.token}`] };
  url.searchParams.set('token', options.token);
  return { url: url.toString(), protocols: [] };
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
