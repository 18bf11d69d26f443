import type { SlideInfo, TileLayer, TilesUpdatedMessage } from '@activeseg/protocol';
import type OpenSeadragon from 'openseadragon';
import type { z } from 'zod';
import { DaemonTileSource } from '../sources/daemon-tile-source.js';
import { authHeaders } from '../sources/tile-url.js';
import { invalidatedTileRanges } from './tile-invalidation.js';
import { TileVersions } from './tile-versions.js';

export type TilesUpdated = z.infer<typeof TilesUpdatedMessage>;

export interface OverlayLayerOptions {
  viewer: OpenSeadragon.Viewer;
  daemonUrl: string;
  token: string;
  slide: SlideInfo;
  layer: TileLayer;
  /** Overlay model version (ignored for the image layer). */
  modelVersion?: number;
  /** Section of a volume the layer shows; absent = 0. */
  z?: number;
  opacity?: number;
  visible?: boolean;
  /** World index to insert at; default on top. */
  index?: number;
  /** Wait this long before applying a batch of updates, so one inference step triggers one swap. Default 250 ms. */
  batchMs?: number;
  /** Give up waiting for the new TiledImage to load fully and swap anyway. Default 4 s. */
  swapTimeoutMs?: number;
  onError?: (message: string) => void;
}

export interface OverlayLayer {
  readonly layer: TileLayer;
  readonly tiledImage: OpenSeadragon.TiledImage | undefined;
  readonly modelVersion: number;
  /** Resolves once the first TiledImage is in the world. */
  readonly ready: Promise<void>;
  applyUpdate(message: TilesUpdated): void;
  setOpacity(opacity: number): void;
  setVisible(visible: boolean): void;
  destroy(): void;
}

/**
 * One layer = one TiledImage in the OSD World. Refreshing tiles uses only public API: OSD 6's
 * `TiledImage.requestInvalidate` re-runs tile processing on cached data and `reset()` drops every tile
 * (the overlay would blink out), neither refetches a chosen tile. So the layer keeps a per-tile model version
 * (TileVersions) that the tile source writes into each URL = cache key, adds a fresh TiledImage right above
 * the current one, and removes the old one once the new one has fully loaded. Tiles whose version did not
 * change have the same key and are served from OSD's shared tile cache; only the affected tiles are fetched,
 * and the old image stays visible until the new tiles are there.
 */
export function createOverlayLayer(options: OverlayLayerOptions): OverlayLayer {
  const { viewer, layer } = options;
  const versions = new TileVersions({ baseVersion: options.modelVersion ?? 0 });
  let opacity = options.opacity ?? 1;
  let visible = options.visible ?? true;
  let current: OpenSeadragon.TiledImage | undefined;
  let pending: TilesUpdated[] = [];
  let batchTimer: ReturnType<typeof setTimeout> | undefined;
  let swapping = false;
  let destroyed = false;
  let latestVersion = options.modelVersion ?? 0;
  const geometry = { width: options.slide.width, height: options.slide.height, tileSize: options.slide.tileSize };

  const effectiveOpacity = () => (visible ? opacity : 0);

  const add = (index: number | undefined): Promise<OpenSeadragon.TiledImage> =>
    new Promise((resolve, reject) => {
      const tileSource = new DaemonTileSource({
        daemonUrl: options.daemonUrl,
        slide: options.slide,
        layer,
        versionOf: (level, col, row) => versions.versionOf(level, col, row),
        ...(options.z ? { z: options.z } : {}),
      });
      viewer.addTiledImage({
        tileSource,
        // Fetched with the token in a header, so no tile URL carries it.
        loadTilesWithAjax: true,
        ajaxHeaders: authHeaders(options.token),
        opacity: effectiveOpacity(),
        ...(index === undefined ? {} : { index }),
        success: (event) => resolve((event as unknown as { item: OpenSeadragon.TiledImage }).item),
        error: (err) => reject(err instanceof Error ? err : new Error(`cannot add ${layer} layer`)),
      });
    });

  const ready = add(options.index).then((item) => {
    if (destroyed) viewer.world.removeItem(item);
    else current = item;
  });
  ready.catch((err: unknown) => options.onError?.(`${layer} layer: ${err instanceof Error ? err.message : err}`));

  const swap = async (): Promise<void> => {
    if (!current || destroyed) return;
    swapping = true;
    const old = current;
    try {
      const next = await add(viewer.world.getIndexOfItem(old) + 1);
      if (destroyed) {
        viewer.world.removeItem(next);
        return;
      }
      current = next;
      // A hidden layer loads nothing, so there is nothing to wait for.
      if (visible) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.swapTimeoutMs ?? 4000);
          next.whenFullyLoaded(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      if (viewer.world.getIndexOfItem(old) !== -1) viewer.world.removeItem(old);
    } catch (err) {
      options.onError?.(`${layer} layer refresh failed: ${err instanceof Error ? err.message : err}`);
    } finally {
      swapping = false;
      if (pending.length > 0 && !destroyed) schedule();
    }
  };

  const flush = (): void => {
    batchTimer = undefined;
    if (swapping || destroyed) return;
    const batch = pending;
    pending = [];
    for (const msg of batch) {
      latestVersion = Math.max(latestVersion, msg.modelVersion);
      versions.apply(invalidatedTileRanges({ tiles: msg.tiles, bbox: msg.bbox }, geometry), msg.modelVersion);
    }
    void swap();
  };

  const schedule = (): void => {
    if (batchTimer === undefined) batchTimer = setTimeout(flush, options.batchMs ?? 250);
  };

  return {
    layer,
    ready,
    get tiledImage() {
      return current;
    },
    get modelVersion() {
      return latestVersion;
    },
    applyUpdate(message) {
      if (destroyed || message.layer !== layer || message.slideId !== options.slide.id) return;
      pending.push(message);
      schedule();
    },
    setOpacity(value) {
      opacity = Math.min(1, Math.max(0, value));
      current?.setOpacity(effectiveOpacity());
    },
    setVisible(on) {
      visible = on;
      current?.setOpacity(effectiveOpacity());
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      if (batchTimer !== undefined) clearTimeout(batchTimer);
      if (current && viewer.world.getIndexOfItem(current) !== -1) viewer.world.removeItem(current);
      current = undefined;
    },
  };
}
