import type { SlideInfo, TileLayer } from '@activeseg/protocol';
import OpenSeadragon from 'openseadragon';
import { tileUrl } from './tile-url.js';

export interface DaemonTileSourceOptions {
  daemonUrl: string;
  slide: SlideInfo;
  layer: TileLayer;
  /** Model version to request for tile (level, col, row); overlays only. */
  versionOf?: (level: number, col: number, row: number) => number;
  /** Section of a volume shown by this source; absent = 0. */
  z?: number;
}

/**
 * A DZI source for one layer of one daemon slide. Geometry comes from `SlideInfo` (no descriptor round trip),
 * and only `getTileUrl` is overridden: it puts layer and per-tile model version into the URL, which OSD also
 * uses as the tile's cache key, so a refreshed tile gets a new key and everything else stays cached. The URL
 * carries no token: add the TiledImage with `loadTilesWithAjax: true` and `ajaxHeaders: authHeaders(token)`.
 */
export class DaemonTileSource extends OpenSeadragon.DziTileSource {
  readonly #options: DaemonTileSourceOptions;

  constructor(options: DaemonTileSourceOptions) {
    const { slide, layer } = options;
    super({
      width: slide.width,
      height: slide.height,
      tileSize: slide.tileSize,
      tileOverlap: 0,
      tilesUrl: '',
      fileFormat: layer === 'image' ? 'jpeg' : 'png',
      minLevel: 0,
      maxLevel: slide.levels - 1,
    });
    this.#options = options;
  }

  override getTileUrl(level: number, x: number, y: number): string {
    const o = this.#options;
    return tileUrl({
      daemonUrl: o.daemonUrl,
      slideId: o.slide.id,
      layer: o.layer,
      level,
      col: x,
      row: y,
      modelVersion: o.layer === 'image' ? undefined : o.versionOf?.(level, x, y),
      z: o.z,
    });
  }
}
