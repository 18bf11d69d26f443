import type { MaskImage } from '../image/types.js';

export interface ConnectedComponentsOptions {
  /** 4- or 8-connectivity; 8 matches how a person counts touching myelin sheaths as one object. Default 8. */
  connectivity?: 4 | 8;
  /** Components smaller than this many pixels are not counted (annotation noise). Default 1. */
  minSize?: number;
}

export interface ConnectedComponentsResult {
  /** Number of components kept. */
  readonly count: number;
  /** Per-pixel label, 0 = background or dropped component, 1..count otherwise. */
  readonly labels: Int32Array;
  /** Pixel count per kept component, index = label − 1. */
  readonly sizes: readonly number[];
}

/** Labels the foreground (non-zero) components of a mask with an iterative flood fill (no recursion limit). */
export function connectedComponents(
  mask: MaskImage,
  options: ConnectedComponentsOptions = {},
): ConnectedComponentsResult {
  const { width, height, data } = mask;
  const connectivity = options.connectivity ?? 8;
  const minSize = options.minSize ?? 1;
  const raw = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const rawSizes: number[] = [];
  let next = 0;
  for (let start = 0; start < data.length; start++) {
    if (data[start] === 0 || raw[start] !== 0) continue;
    next++;
    let top = 0;
    stack[top++] = start;
    raw[start] = next;
    let size = 0;
    while (top > 0) {
      const p = stack[--top] as number;
      size++;
      const x = p % width;
      const y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          if (dx === 0 && dy === 0) continue;
          if (connectivity === 4 && dx !== 0 && dy !== 0) continue;
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (data[q] !== 0 && raw[q] === 0) {
            raw[q] = next;
            stack[top++] = q;
          }
        }
      }
    }
    rawSizes.push(size);
  }
  const remap = new Int32Array(next + 1);
  const sizes: number[] = [];
  for (let l = 1; l <= next; l++) {
    const s = rawSizes[l - 1] as number;
    if (s >= minSize) {
      sizes.push(s);
      remap[l] = sizes.length;
    }
  }
  const labels = new Int32Array(width * height);
  for (let i = 0; i < raw.length; i++) labels[i] = remap[raw[i] as number] as number;
  return { count: sizes.length, labels, sizes };
}
