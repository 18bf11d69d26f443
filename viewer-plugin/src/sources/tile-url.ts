import type { TileLayer } from '@activeseg/protocol';

export interface TileUrlOptions {
  daemonUrl: string;
  token: string;
  slideId: string;
  layer: TileLayer;
  level: number;
  col: number;
  row: number;
  /** Model version the overlay tile was rendered at; omitted for the image layer, which never changes. */
  modelVersion?: number | undefined;
}

/**
 * `GET /api/slides/:slideId/tiles/:layer/:level/:col_:row.(jpeg|png)?v=<modelVersion>`. Overlays are PNG (they carry alpha),
 * the image is JPEG. Layer and model version are part of the URL, so the browser's and OSD's caches, both
 * keyed by URL, can never show an overlay from another model. The token goes in the query because OSD
 * loads tiles as `<img>` by default, and those cannot carry an Authorization header.
 */
export function tileUrl(options: TileUrlOptions): string {
  const ext = options.layer === 'image' ? 'jpeg' : 'png';
  const path = `/api/slides/${encodeURIComponent(options.slideId)}/tiles/${options.layer}/${options.level}/${options.col}_${options.row}.${ext}`;
  const query = new URLSearchParams();
  if (options.modelVersion !== undefined) query.set('v', String(options.modelVersion));
  query.set('token', options.token);
  return `${trimSlash(options.daemonUrl)}${path}?${query}`;
}

export interface DziUrlOptions {
  daemonUrl: string;
  token: string;
  slideId: string;
}

export function dziUrl(options: DziUrlOptions): string {
  return `${trimSlash(options.daemonUrl)}/api/slides/${encodeURIComponent(options.slideId)}/image.dzi?token=${encodeURIComponent(options.token)}`;
}

/** `ws://host/ws?token=…` for an `http://host` daemon (the WebSocket constructor cannot send headers either). */
export function wsUrl(options: { daemonUrl: string; token: string }): string {
  const url = new URL('/ws', `${trimSlash(options.daemonUrl)}/`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('token', options.token);
  return url.toString();
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
