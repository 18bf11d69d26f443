import { createIORedisClient, type RedisClient } from 'bullmq';
import { Redis } from 'ioredis';
import type { RedisOutageLog } from './redis-outage-log.js';

/**
 * A BullMQ connection for `redis://…` on ioredis, the client BullMQ is built and tested against. Pass a fresh one to
 * each Queue / Worker / QueueEvents: BullMQ treats a passed client as shared and leaves closing it to us.
 * `maxRetriesPerRequest: null` is what BullMQ requires for blocking commands; `lazyConnect` lets callers await
 * `connect()` and see a bad URL as an error instead of a retry loop in the background. With `outage`, the client's
 * errors go to that log (one line per outage) instead of ioredis' "Unhandled error event" stack per retry.
 */
export function createRedisClient(url: string, outage?: RedisOutageLog): RedisClient {
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  outage?.watch(redis);
  return createIORedisClient(redis) as unknown as RedisClient;
}
