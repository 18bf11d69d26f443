import { createIORedisClient, type RedisClient } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * A BullMQ connection for `redis://…` on ioredis, the client BullMQ is built and tested against. Pass a fresh one to
 * each Queue / Worker / QueueEvents: BullMQ treats a passed client as shared and leaves closing it to us.
 * `maxRetriesPerRequest: null` is what BullMQ requires for blocking commands; `lazyConnect` lets callers await
 * `connect()` and see a bad URL as an error instead of a retry loop in the background.
 */
export function createRedisClient(url: string): RedisClient {
  return createIORedisClient(
    new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true }),
  ) as unknown as RedisClient;
}
