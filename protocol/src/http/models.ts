import { z } from 'zod';
import { TileParams } from './slides.js';

/**
 * How a model version came to be: `finetune` continued from `parentVersion`, `scratch` started from fresh weights
 * (a first training, with no model to continue from, is `scratch` whatever was asked), `base` is the shipped or
 * given base model, `bootstrap` the demo's first model, `import` anything else found on disk.
 */
export const ModelOrigin = z.enum(['finetune', 'scratch', 'base', 'bootstrap', 'import']);
export type ModelOrigin = z.infer<typeof ModelOrigin>;

/** A model version number as it appears in a path (`/api/models/:version/...`). */
export const ModelVersionNumber = z.coerce
  .number()
  .int('version must be an integer')
  .min(1, 'version must be 1 or more')
  .max(999_999_999, 'version must be at most 999999999');

export const ModelVersionInfo = z.object({
  version: z.number().int().positive(),
  /** ISO 8601. */
  createdAt: z.string(),
  mode: ModelOrigin,
  /** The version a fine-tune started from; null for every other origin. */
  parentVersion: z.number().int().positive().nullable(),
  /** Annotations in the project when the version was trained; null when it was not trained here. */
  annotationsUsed: z.number().int().nonnegative().nullable(),
  trainPatches: z.number().int().nonnegative().nullable(),
  valPatches: z.number().int().nonnegative().nullable(),
  /** Best-epoch Dice on the run's held-out validation patches; null when the run had too few patches to hold any out. */
  valDice: z.number().min(0).max(1).nullable(),
  /**
   * The model that was current when the run ended, and its Dice on the same validation patches: the fair comparison
   * the promotion rule makes. Null when there was no current model or no validation set.
   */
  comparedWith: z.object({ version: z.number().int().positive(), valDice: z.number().min(0).max(1) }).nullable(),
  /** Whether training made it current (false: it scored worse than the current model and was kept aside). */
  promoted: z.boolean(),
  /** Why it was not promoted, in words; absent when it was. */
  warning: z.string().optional(),
  /** The daemon serves this version now. */
  current: z.boolean(),
});
export type ModelVersionInfo = z.infer<typeof ModelVersionInfo>;

/** `GET /api/models`: every readable version, oldest first. */
export const ModelList = z.object({
  /** 0 while no version exists. */
  current: z.number().int().nonnegative(),
  versions: z.array(ModelVersionInfo),
});
export type ModelList = z.infer<typeof ModelList>;

/** Path parameters of `POST /api/models/:version/promote`. */
export const ModelVersionParams = z.object({ version: ModelVersionNumber });
export type ModelVersionParams = z.infer<typeof ModelVersionParams>;

/**
 * `POST /api/models/:version/promote`: makes any version current (promote one that was kept aside, or roll back to
 * an older one). The engine reloads it; overlays follow through `model.current`.
 */
export const PromoteModelResult = z.object({
  current: z.number().int().positive(),
  previous: z.number().int().nonnegative(),
});
export type PromoteModelResult = z.infer<typeof PromoteModelResult>;

/**
 * `GET /api/slides/:slideId/changes/:level/:col_:row.png?from=&to=`: the "what changed" overlay between two model
 * versions, one DZI tile (same pyramid as the slide): pixels whose thresholded prediction (mean P(myelin) ≥ 0.5)
 * differs, magenta where `to` predicts myelin and `from` did not, cyan where `to` no longer does; transparent
 * elsewhere and where either version has not scored the slide. Both versions must have scored the slide.
 */
export const ChangeTileParams = TileParams.omit({ layer: true });
export type ChangeTileParams = z.infer<typeof ChangeTileParams>;

export const ChangeTileQuery = z.object({ from: ModelVersionNumber, to: ModelVersionNumber });
export type ChangeTileQuery = z.infer<typeof ChangeTileQuery>;
