import type { Region } from '@activeseg/protocol';

/** A point in level-0 image pixels (absolute slide coordinates, not relative to the region). */
export interface ImagePoint {
  x: number;
  y: number;
}

/** Pixels that a mask edit touched, relative to the region, so a renderer can repaint only that part. */
export interface DirtyRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ThresholdOptions {
  /** Value a probability must reach to be foreground. Default 0.5. */
  threshold?: number;
  /** Full-scale value of the input (1 for floats, 255 for bytes or PNG alpha). Default 1. */
  scale?: number;
}

/**
 * Binary mask over one annotation region, one byte per level-0 pixel (0 background, 1 myelin). Tools pass
 * absolute image coordinates; the canvas subtracts the region origin, so callers never juggle two frames.
 * A pixel belongs to a disc or polygon when its centre (x + 0.5, y + 0.5) is inside it.
 */
export class MaskCanvas {
  readonly region: Region;
  readonly data: Uint8Array;

  constructor(region: Region, data?: Uint8Array) {
    if (data !== undefined && data.length !== region.width * region.height) {
      throw new RangeError(`MaskCanvas: data has ${data.length} bytes, region needs ${region.width * region.height}`);
    }
    this.region = { ...region };
    this.data = data ?? new Uint8Array(region.width * region.height);
  }

  /** Mask from a prediction probability map of the region's size, foreground where p ≥ threshold. */
  static fromProbabilities(
    region: Region,
    probabilities: ArrayLike<number>,
    options: ThresholdOptions = {},
  ): MaskCanvas {
    const n = region.width * region.height;
    if (probabilities.length !== n) {
      throw new RangeError(`MaskCanvas.fromProbabilities: ${probabilities.length} values for a ${n}-pixel region`);
    }
    const cut = (options.threshold ?? 0.5) * (options.scale ?? 1);
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = probabilities[i]! >= cut ? 1 : 0;
    return new MaskCanvas(region, data);
  }

  get width(): number {
    return this.region.width;
  }

  get height(): number {
    return this.region.height;
  }

  get(x: number, y: number): number {
    const lx = x - this.region.x;
    const ly = y - this.region.y;
    if (lx < 0 || ly < 0 || lx >= this.width || ly >= this.height) return 0;
    return this.data[ly * this.width + lx]!;
  }

  countForeground(): number {
    let n = 0;
    for (const v of this.data) n += v;
    return n;
  }

  fill(value: 0 | 1): DirtyRect {
    this.data.fill(value);
    return { x: 0, y: 0, width: this.width, height: this.height };
  }

  /** Stamps a filled disc (brush with value 1, eraser with value 0). */
  stampDisc(center: ImagePoint, radius: number, value: 0 | 1): DirtyRect | null {
    const cx = center.x - this.region.x;
    const cy = center.y - this.region.y;
    const r = Math.max(0.5, radius);
    const x0 = Math.max(0, Math.floor(cx - r));
    const x1 = Math.min(this.width - 1, Math.ceil(cx + r));
    const y0 = Math.max(0, Math.floor(cy - r));
    const y1 = Math.min(this.height - 1, Math.ceil(cy + r));
    if (x0 > x1 || y0 > y1) return null;
    const r2 = r * r;
    for (let y = y0; y <= y1; y++) {
      const dy = y + 0.5 - cy;
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - cx;
        if (dx * dx + dy * dy <= r2) this.data[y * this.width + x] = value;
      }
    }
    return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  }

  /**
   * Stamps discs along a segment, spaced at most half a radius apart, so a fast pointer drag (which reports
   * sparse positions) still paints a continuous stroke.
   */
  strokeSegment(from: ImagePoint, to: ImagePoint, radius: number, value: 0 | 1): DirtyRect | null {
    const length = Math.hypot(to.x - from.x, to.y - from.y);
    const steps = Math.max(1, Math.ceil(length / Math.max(0.5, radius / 2)));
    let dirty: DirtyRect | null = null;
    for (let i = 0; i <= steps; i++) {
      const t = i / steps;
      const rect = this.stampDisc({ x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t }, radius, value);
      dirty = unionRect(dirty, rect);
    }
    return dirty;
  }

  /**
   * Fills a polygon with the even-odd rule by scanline: for each pixel row, intersect the row centre with every
   * edge, sort the crossings and fill between pairs. Self-intersecting outlines leave their overlaps as holes,
   * which is what even-odd means and what a biologist tracing a ring (axon inside myelin) expects.
   */
  fillPolygon(points: readonly ImagePoint[], value: 0 | 1): DirtyRect | null {
    if (points.length < 3) return null;
    const local = points.map((p) => ({ x: p.x - this.region.x, y: p.y - this.region.y }));
    let minY = Number.POSITIVE_INFINITY;
    let maxY = Number.NEGATIVE_INFINITY;
    for (const p of local) {
      minY = Math.min(minY, p.y);
      maxY = Math.max(maxY, p.y);
    }
    const y0 = Math.max(0, Math.floor(minY));
    const y1 = Math.min(this.height - 1, Math.ceil(maxY));
    let dirty: DirtyRect | null = null;
    const xs: number[] = [];
    for (let y = y0; y <= y1; y++) {
      const sy = y + 0.5;
      xs.length = 0;
      for (let i = 0; i < local.length; i++) {
        const a = local[i]!;
        const b = local[(i + 1) % local.length]!;
        // Half-open on y so a vertex shared by two edges is counted once.
        if (a.y <= sy !== b.y <= sy) xs.push(a.x + ((sy - a.y) * (b.x - a.x)) / (b.y - a.y));
      }
      xs.sort((p, q) => p - q);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        // Pixel centres x + 0.5 within [xs[k], xs[k+1]).
        const xa = Math.max(0, Math.ceil(xs[k]! - 0.5));
        const xb = Math.min(this.width - 1, Math.ceil(xs[k + 1]! - 0.5) - 1);
        if (xa > xb) continue;
        this.data.fill(value, y * this.width + xa, y * this.width + xb + 1);
        dirty = unionRect(dirty, { x: xa, y, width: xb - xa + 1, height: 1 });
      }
    }
    return dirty;
  }

  snapshot(): Uint8Array {
    return this.data.slice();
  }

  restore(snapshot: Uint8Array): void {
    if (snapshot.length !== this.data.length) throw new RangeError('MaskCanvas.restore: snapshot size mismatch');
    this.data.set(snapshot);
  }
}

export function unionRect(a: DirtyRect | null, b: DirtyRect | null): DirtyRect | null {
  if (a === null) return b;
  if (b === null) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}
