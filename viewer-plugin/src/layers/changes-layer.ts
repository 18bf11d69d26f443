import type { SlideInfo } from '@activeseg/protocol';
import OpenSeadragon from 'openseadragon';
import { authHeaders, changeTileUrl } from '../sources/tile-url.js';
import type { ModelChanges } from '../state/viewer-state.js';

export interface ChangesLayerOptions {
  viewer: OpenSeadragon.Viewer;
  daemonUrl: string;
  token: string;
  onError: (message: string) => void;
}

/** The "what changed" overlay: one TiledImage on top of the others while a pair of versions is compared. */
export interface ChangesLayer {
  /** Shows the changes of `changes` on `slide`, replaces a different pair, removes it for none. */
  sync(slide: SlideInfo | undefined, changes: ModelChanges | undefined): void;
  destroy(): void;
}

class ChangesTileSource extends OpenSeadragon.DziTileSource {
  readonly #slide: SlideInfo;
  readonly #daemonUrl: string;
  readonly #changes: ModelChanges;

  constructor(daemonUrl: string, slide: SlideInfo, changes: ModelChanges) {
    super({
      width: slide.width,
      height: slide.height,
      tileSize: slide.tileSize,
      tileOverlap: 0,
      tilesUrl: '',
      fileFormat: 'png',
      minLevel: 0,
      maxLevel: slide.levels - 1,
    });
    this.#slide = slide;
    this.#daemonUrl = daemonUrl;
    this.#changes = changes;
  }

  override getTileUrl(level: number, x: number, y: number): string {
    return changeTileUrl({
      daemonUrl: this.#daemonUrl,
      slideId: this.#slide.id,
      level,
      col: x,
      row: y,
      ...this.#changes,
    });
  }
}

export function createChangesLayer(options: ChangesLayerOptions): ChangesLayer {
  const { viewer } = options;
  let shown: { key: string; item?: OpenSeadragon.TiledImage } | undefined;
  const remove = () => {
    if (shown?.item) viewer.world.removeItem(shown.item);
    shown = undefined;
  };
  return {
    sync(slide, changes) {
      const key = slide && changes ? `${slide.id}:${changes.from}:${changes.to}` : undefined;
      if (key === shown?.key) return;
      remove();
      if (!slide || !changes || !key) return;
      const entry: { key: string; item?: OpenSeadragon.TiledImage } = { key };
      shown = entry;
      viewer.addTiledImage({
        tileSource: new ChangesTileSource(options.daemonUrl, slide, changes),
        loadTilesWithAjax: true,
        ajaxHeaders: authHeaders(options.token),
        success: (event) => {
          const item = (event as unknown as { item: OpenSeadragon.TiledImage }).item;
          // Replaced or hidden while it was being added: it must not stay in the world.
          if (shown === entry) entry.item = item;
          else viewer.world.removeItem(item);
        },
        error: () => options.onError(`cannot show the changes between v${changes.from} and v${changes.to}`),
      });
    },
    destroy: remove,
  };
}
