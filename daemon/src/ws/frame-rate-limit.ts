export interface FrameRateLimitOptions {
  /** Sustained frames per second; also the burst a quiet socket may send at once. */
  perSecond: number;
  now?: () => number;
}

/**
 * Token bucket for one socket's inbound frames. Each frame costs one token; tokens refill at `perSecond`
 * up to `perSecond`. `take()` answers whether this frame is within the limit.
 */
export function createFrameRateLimit(options: FrameRateLimitOptions): { take(): boolean } {
  const now = options.now ?? Date.now;
  const capacity = options.perSecond;
  let tokens = capacity;
  let last = now();
  return {
    take() {
      const t = now();
      tokens = Math.min(capacity, tokens + ((t - last) * capacity) / 1000);
      last = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
