import { forEachTile, type TileRange, tileKey } from './tile-invalidation.js';

export interface TileVersionsOptions {
  /** Model version every tile starts at. */
  baseVersion: number;
  /** Most per-tile overrides kept; an update that would exceed it becomes a whole-layer refresh. Default 50 000. */
  maxOverrides?: number;
}

export type ApplyResult = 'tiles' | 'all';

/**
 * The model version each overlay tile should be fetched at. A running inference updates patches one by one
 * and the daemon renders a tile for exactly the version in its URL, so tiles the job has not reached yet must
 * keep their old version (and their cached image) while finished tiles move to the new one.
 */
export class TileVersions {
  #base: number;
  readonly #max: number;
  readonly #overrides = new Map<string, number>();

  constructor(options: TileVersionsOptions) {
    this.#base = options.baseVersion;
    this.#max = options.maxOverrides ?? 50_000;
  }

  get baseVersion(): number {
    return this.#base;
  }

  get overrideCount(): number {
    return this.#overrides.size;
  }

  versionOf(level: number, col: number, row: number): number {
    return this.#overrides.get(tileKey({ level, col, row })) ?? this.#base;
  }

  /** Moves the tiles in `ranges` to `version`; falls back to moving every tile when there are too many. */
  apply(ranges: readonly TileRange[], version: number): ApplyResult {
    let n = 0;
    for (const r of ranges) n += (r.col1 - r.col0 + 1) * (r.row1 - r.row0 + 1);
    if (this.#overrides.size + n > this.#max) {
      this.reset(version);
      return 'all';
    }
    forEachTile(ranges, (t) => {
      const key = tileKey(t);
      if (version === this.#base) this.#overrides.delete(key);
      else this.#overrides.set(key, version);
    });
    return 'tiles';
  }

  reset(version: number): void {
    this.#base = version;
    this.#overrides.clear();
  }
}
