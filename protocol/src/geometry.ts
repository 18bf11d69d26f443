import { z } from 'zod';

const Px = z.number().int().nonnegative();

/**
 * Most z sections a slide may have: an SBEM block of thousands of sections is real, a metadata claim of 10⁶ is a
 * mistake (or a probe) that would make every section loop in the daemon run for ever.
 */
export const MAX_SLIDE_SECTIONS = 10_000;

/** A section index of a volume, 0-based; absent in a body means section 0 (a 2D slide). */
export const SectionIndex = z
  .number()
  .int()
  .nonnegative()
  .max(MAX_SLIDE_SECTIONS - 1);

/** An axis-aligned rectangle in level-0 (full-resolution) image pixels. Never viewport coordinates. */
export const Region = z.object({
  x: Px,
  y: Px,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type Region = z.infer<typeof Region>;

/** One tile of a DZI pyramid (DZI numbering: level 0 is 1×1, the last level is full resolution). */
export const TileRef = z.object({ level: Px, col: Px, row: Px });
export type TileRef = z.infer<typeof TileRef>;

/**
 * One cell of the slide's patch grid (square patches of `size` level-0 pixels, aligned at multiples of `size`).
 * `x`/`y` are `col*size`/`row*size`; edge patches may extend past the slide.
 */
export const PatchRef = z.object({
  col: Px,
  row: Px,
  x: Px,
  y: Px,
  size: z.number().int().positive(),
  /** Section of a volume; absent = 0. */
  z: SectionIndex.optional(),
});
export type PatchRef = z.infer<typeof PatchRef>;
