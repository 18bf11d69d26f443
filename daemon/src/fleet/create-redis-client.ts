import { createBunRedisClient, type RedisClient } from 'bullmq';
import { createRespClient, parseRedisUrl } from './resp-client.js';

/**
 * A BullMQ connection for `redis://…`, built on our RESP client (see resp-client.ts). Pass a fresh one to each
 * Queue / Worker / QueueEvents: BullMQ treats a passed client as shared and leaves closing it to us.
 */
export function createRedisClient(url: string): RedisClient {
  return createBunRedisClient(createRespClient(parseRedisUrl(url)) as never);
}
