import { z } from 'zod';

/** `GET /api/health`: unauthenticated liveness probe. Reveals nothing about the project. */
export const HealthResponse = z.object({
  ok: z.literal(true),
  protocolVersion: z.number().int().positive(),
});
export type HealthResponse = z.infer<typeof HealthResponse>;
