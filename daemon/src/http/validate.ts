import type { ValidationTargets } from 'hono';
import { validator } from 'hono/validator';
import type { z } from 'zod';
import { parseOrThrow } from '../project/parse-or-throw.js';

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
