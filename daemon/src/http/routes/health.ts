import { type HealthResponse, PROTOCOL_VERSION } from '@activeseg/protocol';
import { Hono } from 'hono';

/** Unauthenticated; mounted before the token guard. */
export function createHealthRoutes(): Hono {
  return new Hono().get('/api/health', (c) =>
    c.json({ ok: true, protocolVersion: PROTOCOL_VERSION } satisfies HealthResponse),
  );
}
