export interface PatchGridOptions {
  width: number;
  height: number;
  patchSize: number;
  /** Step between patch origins. Default `patchSize` (no overlap); larger than patchSize leaves gaps. */
  stride?: number;
}

export interface PatchRect {
  /** Row-major position in the grid. */
  index: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Square patches on a regular grid that covers the whole image (for stride ≤ patchSize). Patches
 * keep the full size, so the last row and column may run past the edge; callers reflect-pad them
 * (`extractPatch`) rather than shifting them inwards, which would overlap unevenly.
 */
export function patchGrid(options: PatchGridOptions): PatchRect[] {
  const { width, height, patchSize, stride = patchSize } = options;
  for (const [key, value] of Object.entries({ width, height, patchSize, stride })) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`patchGrid: ${key} must be a positive integer`);
  }
  const cols = countAlong(width, patchSize, stride);
  const rows = countAlong(height, patchSize, stride);
  const patches: PatchRect[] = [];
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      patches.push({ index: patches.length, x: col * stride, y: row * stride, width: patchSize, height: patchSize });
    }
  }
  return patches;
}

/** Fewest origins 0, s, 2s, … whose last patch reaches the far edge. */
function countAlong(length: number, patchSize: number, stride: number): number {
  return length <= patchSize ? 1 : Math.ceil((length - patchSize) / stride) + 1;
}
