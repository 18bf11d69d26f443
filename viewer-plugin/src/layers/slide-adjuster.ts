import type OpenSeadragon from 'openseadragon';
import { type Adjustment, applyLut, isNeutral, NEUTRAL_ADJUSTMENT, toneLut } from './tone-curve.js';

export interface SlideAdjusterOptions {
  viewer: OpenSeadragon.Viewer;
  /** The slide layer: the only one adjusted (overlays keep their colours). */
  imageLayer: () => OpenSeadragon.TiledImage | undefined;
}

export interface SlideAdjuster {
  /** Redraws the slide layer with `adjustment` when it differs from the one applied. */
  sync(adjustment: Adjustment): void;
  destroy(): void;
}

interface TileInvalidatedEvent {
  tiledImage: OpenSeadragon.TiledImage;
  getData(type: string): Promise<unknown>;
  setData(data: unknown, type: string): Promise<void>;
}

/**
 * Brightness, contrast and gamma of the slide layer, on the client. A CSS filter would change every layer on
 * OSD's one canvas, so the tone curve goes through OSD 6's public tile pipeline instead: the `tile-invalidated`
 * event rewrites each slide tile's pixels (from its original data), and `requestInvalidate` re-runs it on the
 * cached tiles when the adjustment changes. New tiles pass through the same handler as they load.
 */
export function createSlideAdjuster(options: SlideAdjusterOptions): SlideAdjuster {
  const { viewer } = options;
  let current: Adjustment = NEUTRAL_ADJUSTMENT;
  let lut = toneLut(current);

  const onInvalidated = async (event: TileInvalidatedEvent): Promise<void> => {
    if (isNeutral(current) || event.tiledImage !== options.imageLayer()) return;
    const ctx = (await event.getData('context2d')) as CanvasRenderingContext2D | undefined;
    if (!ctx) return;
    const { width, height } = ctx.canvas;
    const pixels = ctx.getImageData(0, 0, width, height);
    applyLut(pixels.data, lut);
    ctx.putImageData(pixels, 0, 0);
    await event.setData(ctx, 'context2d');
  };
  const handler = onInvalidated as unknown as OpenSeadragon.EventHandler<OpenSeadragon.ViewerEvent>;
  viewer.addHandler('tile-invalidated' as never, handler);

  return {
    sync(next) {
      if (next === current) return;
      const a = next;
      if (a.brightness === current.brightness && a.contrast === current.contrast && a.gamma === current.gamma) return;
      current = a;
      lut = toneLut(a);
      // From the original tile data, so adjustments never compound.
      void (
        options.imageLayer() as unknown as { requestInvalidate?(restore: boolean): Promise<void> }
      )?.requestInvalidate?.(true);
    },
    destroy() {
      viewer.removeHandler('tile-invalidated' as never, handler);
    },
  };
}
