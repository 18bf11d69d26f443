import type { RedisClient } from 'bullmq';
import { FLEET_QUEUE } from './fleet-jobs.js';

/**
 * A worker's heartbeat on a BullMQ job it runs, kept apart from BullMQ's own lock: a Redis restarted without
 * persistence loses the job and its lock, and this key is how the daemon then tells "a worker is still on it" (the
 * worker writes it again once Redis is back) from "nobody is" (it stays absent).
 */
export const leaseKey = (prefix: string, bullJobId: string): string => `${prefix}:${FLEET_QUEUE}:lease:${bullJobId}`;

/** Default lease: a key renewed every third of this, so two renewals may fail before it lapses. */
export const DEFAULT_LEASE_MS = 30_000;

export interface JobLease {
  /** Stops renewing and deletes the key (best effort: it lapses on its own otherwise). */
  release(): void;
}

export interface HoldLeaseOptions {
  client: RedisClient;
  key: string;
  holder: string;
  leaseMs: number;
  onError?(err: unknown): void;
}

/** Writes the lease now and renews it every `leaseMs / 3` until released. */
export function holdLease(options: HoldLeaseOptions): JobLease {
  const { client, key, holder, leaseMs } = options;
  const renew = () => {
    client.set(key, holder, { PX: leaseMs }).catch((err: unknown) => options.onError?.(err));
  };
  renew();
  const timer = setInterval(renew, Math.max(100, Math.floor(leaseMs / 3)));
  timer.unref();
  return {
    release() {
      clearInterval(timer);
      client.del(key).catch((err: unknown) => options.onError?.(err));
    },
  };
}
