import type { SlideInfo, TileLayer } from '@activeseg/protocol';
import type OpenSeadragon from 'openseadragon';
import { el } from '../panels/el.js';
import type { LayerView } from '../state/viewer-state.js';
import { createOverlayLayer, type OverlayLayer, type TilesUpdated } from './overlay-layer.js';

export interface SlideViewOptions {
  viewer: OpenSeadragon.Viewer;
  daemonUrl: string;
  token: string;
  onError: (message: string) => void;
}

/**
 * What the plugin has put on the OSD viewer for the open slide: one OverlayLayer per tile layer, the outline of
 * the selected suggestion and the preview of a local file being uploaded. It follows the state (`sync`) and is
 * told what to show; it decides nothing.
 */
export interface SlideView {
  /** The image layer's TiledImage, through which every image↔viewport conversion goes. */
  readonly imageItem: OpenSeadragon.TiledImage | undefined;
  layer(layer: TileLayer): OverlayLayer | undefined;
  /** Adds `layer` of `slide` (replacing the one shown), with the opacity and visibility of `view`. */
  show(slide: SlideInfo, layer: TileLayer, view: LayerView): OverlayLayer;
  /** Refreshes the tiles a `tiles.updated` names; adds the layer when the slide had no overlay yet. */
  update(slide: SlideInfo, message: TilesUpdated, view: LayerView): void;
  /** Applies opacity and visibility from the state to the layers shown. */
  sync(layers: Readonly<Record<TileLayer, LayerView>>): void;
  /** The section of a volume the layers show (0 for a 2D slide); layers shown from now on show it. */
  readonly section: number;
  /**
   * Shows section `z`: every layer shown is replaced by the same layer on that section. Resolves once the new image
   * layer is in the world (image↔viewport conversions need it).
   */
  showSection(slide: SlideInfo, z: number, layers: Readonly<Record<TileLayer, LayerView>>): Promise<void>;
  showOutline(rect: OpenSeadragon.Rect): void;
  hideOutline(): void;
  /** Shows a local image (object URL) alone, until the slide it becomes is opened. */
  showPreview(url: string): Promise<void>;
  /** Removes everything above from the viewer. */
  clear(): void;
}

export function createSlideView(options: SlideViewOptions): SlideView {
  const { viewer } = options;
  const layers = new Map<TileLayer, OverlayLayer>();
  // What each layer was last given: sync runs after every state change, and setOpacity makes OSD redraw.
  const applied = new Map<TileLayer, { opacity: number; visible: boolean }>();
  let outline: HTMLElement | undefined;
  let preview: OpenSeadragon.TiledImage | undefined;
  let section = 0;

  const view: SlideView = {
    get imageItem() {
      return layers.get('image')?.tiledImage;
    },
    layer: (layer) => layers.get(layer),
    get section() {
      return section;
    },
    async showSection(slide, z, states) {
      if (z === section) return;
      section = z;
      // Image first, so the overlays are inserted above it.
      const shown = [...layers.keys()].sort((a, b) => (a === 'image' ? -1 : b === 'image' ? 1 : 0));
      let ready: Promise<void> | undefined;
      for (const layer of shown) {
        const modelVersion = layers.get(layer)?.modelVersion;
        const created = view.show(slide, layer, {
          ...states[layer],
          modelVersion: states[layer].modelVersion ?? modelVersion,
        });
        if (layer === 'image') ready = created.ready;
      }
      await ready;
    },
    show(slide, layer, state) {
      layers.get(layer)?.destroy();
      const image = layers.get('image')?.tiledImage;
      const created = createOverlayLayer({
        viewer,
        daemonUrl: options.daemonUrl,
        token: options.token,
        slide,
        layer,
        ...(state.modelVersion === undefined ? {} : { modelVersion: state.modelVersion }),
        ...(section ? { z: section } : {}),
        opacity: state.opacity,
        visible: state.visible,
        // Image at the bottom, prediction under uncertainty.
        index:
          layer === 'image' ? 0 : layer === 'prediction' && image ? viewer.world.getIndexOfItem(image) + 1 : undefined,
        onError: options.onError,
      });
      layers.set(layer, created);
      applied.set(layer, { opacity: state.opacity, visible: state.visible });
      return created;
    },
    update(slide, message, state) {
      const existing = layers.get(message.layer);
      if (existing) existing.applyUpdate(message);
      else view.show(slide, message.layer, { ...state, modelVersion: message.modelVersion });
    },
    sync(states) {
      for (const [layer, overlay] of layers) {
        const { opacity, visible } = states[layer];
        const last = applied.get(layer);
        if (last?.opacity !== opacity) overlay.setOpacity(opacity);
        if (last?.visible !== visible) overlay.setVisible(visible);
        applied.set(layer, { opacity, visible });
      }
    },
    showOutline(rect) {
      view.hideOutline();
      outline = el('div', { class: 'activeseg-outline', 'data-testid': 'activeseg-outline' });
      viewer.addOverlay({ element: outline, location: rect });
    },
    hideOutline() {
      if (outline) viewer.removeOverlay(outline);
      outline = undefined;
    },
    showPreview(url) {
      view.clear();
      return new Promise<void>((resolve, reject) =>
        viewer.addTiledImage({
          tileSource: { type: 'image', url },
          success: (ev) => {
            preview = (ev as unknown as { item: OpenSeadragon.TiledImage }).item;
            resolve();
          },
          error: (err) => reject(err),
        }),
      );
    },
    clear() {
      section = 0;
      for (const l of layers.values()) l.destroy();
      layers.clear();
      applied.clear();
      view.hideOutline();
      if (preview) {
        viewer.world.removeItem(preview);
        preview = undefined;
      }
    },
  };
  return view;
}
