export interface ReconnectPolicyOptions {
  /** Delay before the first retry. Default 500 ms. */
  initialDelayMs?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
  /** Upper bound of the delay before jitter. Default 30 s. */
  maxDelayMs?: number;
  /** Fraction of the delay that is randomised, 0–1. Default 0.5 (delay × [0.5, 1]). */
  jitter?: number;
  /** Random source in [0, 1); injected so tests are deterministic. Default Math.random. */
  random?: () => number;
}

export interface ReconnectPolicy {
  /** Delay before retry number `attempt` (0-based): capped exponential backoff with jitter. */
  delayMs(attempt: number): number;
}

/**
 * Exponential backoff with a cap and jitter. Jitter matters because a daemon restart drops every open viewer
 * at the same instant; without it they would all reconnect in lockstep.
 */
export function createReconnectPolicy(options: ReconnectPolicyOptions = {}): ReconnectPolicy {
  const initial = options.initialDelayMs ?? 500;
  const factor = options.factor ?? 2;
  const max = options.maxDelayMs ?? 30_000;
  const jitter = options.jitter ?? 0.5;
  const random = options.random ?? Math.random;
  if (!(initial > 0) || !(factor >= 1) || !(max >= initial)) {
    throw new RangeError('createReconnectPolicy: need initialDelayMs > 0, factor ≥ 1 and maxDelayMs ≥ initialDelayMs');
  }
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError('createReconnectPolicy: jitter must be within 0–1');
  return {
    delayMs(attempt) {
      // Clamp the exponent so huge attempt counts cannot overflow to Infinity before the cap applies.
      const base = Math.min(max, initial * factor ** Math.min(Math.max(0, attempt), 64));
      return Math.round(base * (1 - jitter * random()));
    },
  };
}
