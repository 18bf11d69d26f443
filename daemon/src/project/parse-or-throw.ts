import type { z } from 'zod';
import { ApiError } from '../errors/api-error.js';

/**
 * Parses a value with a protocol schema; failure throws BAD_REQUEST naming the first offending field and listing
 * the issues. Shared by the HTTP edge (`zValidator`) and the annotation worker, which parses bodies off the loop.
 */
export function parseOrThrow<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  where: string,
): z.output<Schema> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const field = first && first.path.length > 0 ? first.path.join('.') : undefined;
  const summary = r.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || where}: ${i.message}`)
    .join('; ');
  throw new ApiError('BAD_REQUEST', summary, field);
}
