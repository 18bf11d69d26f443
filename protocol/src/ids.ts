import { z } from 'zod';

/**
 * Ids that the daemon hands out (slides, annotations, jobs). The charset is restricted so an id
 * can never smuggle a path separator or `..` into a file name on the daemon side.
 */
export const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'ids are 1–64 characters of A–Z, a–z, 0–9, _ or -');
export type Id = z.infer<typeof Id>;
