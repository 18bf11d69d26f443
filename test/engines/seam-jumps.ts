/**
 * How visible a slide's cell grid is in an overlay: the mean absolute step between adjacent pixel columns (and rows)
 * that straddle a cell border, against the same step between adjacent columns (rows) inside cells.
 */

export interface SeamMap {
  width: number;
  height: number;
  /** Row-major values; NaN where nothing was scored (blank or unscored cells), skipped. */
  data: ArrayLike<number>;
}

export interface SeamJumpsOptions {
  /** Edge of the grid's cells in map pixels. */
  cellSize: number;
  /**
   * Only steps at multiples of this count as inside steps: maps upsampled ×f by repetition from the model's scale
   * step only every f pixels, and comparing a border step with zeros between repeated pixels would flatter nothing.
   */
  step?: number;
}

export interface SeamJumps {
  /** Mean |v(x) − v(x − 1)| over pairs straddling a cell border, across columns and rows together. */
  border: number;
  /** The same over pairs inside cells (at multiples of `step`). */
  inside: number;
  /** border / inside: 1 means the grid is invisible in the statistics of neighbouring pixels. */
  ratio: number;
  borderPairs: number;
  insidePairs: number;
}

export function seamJumps(map: SeamMap, options: SeamJumpsOptions): SeamJumps {
  const { width, height, data } = map;
  const { cellSize, step = 1 } = options;
  let border = 0;
  let inside = 0;
  let borderPairs = 0;
  let insidePairs = 0;
  const add = (a: number, b: number, at: number) => {
    if (Number.isNaN(a) || Number.isNaN(b)) return;
    if (at % cellSize === 0) {
      border += Math.abs(a - b);
      borderPairs++;
    } else if (at % step === 0) {
      inside += Math.abs(a - b);
      insidePairs++;
    }
  };
  for (let y = 0; y < height; y++) {
    for (let x = 1; x < width; x++) add(data[y * width + x] as number, data[y * width + x - 1] as number, x);
  }
  for (let y = 1; y < height; y++) {
    for (let x = 0; x < width; x++) add(data[y * width + x] as number, data[(y - 1) * width + x] as number, y);
  }
  const b = border / borderPairs;
  const i = inside / insidePairs;
  return { border: b, inside: i, ratio: b / i, borderPairs, insidePairs };
}
