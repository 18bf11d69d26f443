import type { ValidationTargets } from 'hono';
import { validator } from 'hono/validator';
import type { z } from 'zod';
import { ApiError } from '../errors/api-error.js';

/**
 * Parses a request part with a protocol schema at the edge, like @hono/zod-validator: handlers only see
 * `c.req.valid(target)`. Failure throws BAD_REQUEST naming the first offending field and listing the issues.
 */
export function zValidator<Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
) {
  return validator(target, (value): z.output<Schema> => parseOrThrow(schema, value, target));
}

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
