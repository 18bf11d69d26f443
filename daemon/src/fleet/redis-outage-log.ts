/** What a watched Redis client (ioredis, or BullMQ's wrapper around it) must offer. */
export interface RedisEventSource {
  on(event: 'error', listener: (err: unknown) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  /** ioredis' connection state (`ready` when connected). */
  readonly status?: string;
}

export interface RedisOutageLogOptions {
  /** The Redis URL, shown without its password. */
  url: string;
  log: (message: string) => void;
  /**
   * After "back", connection errors this soon are clients that retried just before Redis returned, not a new
   * outage (each ioredis client reconnects on its own backoff, up to 2 s apart).
   */
  settleMs?: number;
  now?: () => number;
}

export interface RedisOutageLog {
  /** Takes over a client's `error` events (an ioredis client without a listener prints a stack per retry). */
  watch(client: RedisEventSource): void;
  /**
   * An `error` event of a BullMQ Queue, Worker or QueueEvents (they re-emit their own connections' errors), or a
   * failed command: a connection error belongs to the outage, errors about a job Redis lost are said once per job,
   * anything else is logged as one line with `context`.
   */
  error(err: unknown, context: string): void;
  /** Whether `error` would take this error over (a connection error or one about a job Redis lost). */
  handles(err: unknown): boolean;
  /** Whether Redis is unreachable now, as far as the watched clients know. */
  readonly down: boolean;
  /** Called each time Redis answers again after an outage, with how long it was down. */
  onBack(listener: (downMs: number) => void): void;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/** ioredis and BullMQ report a lost server as socket errors or as commands failing on a closed connection. */
export function isRedisConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection is closed|ECONNREFUSED|ECONNRESET|Socket closed unexpectedly|Stream isn't writeable/.test(message);
}

/**
 * The BullMQ job an error says is gone: after Redis restarts empty, every command a worker still sends about the job
 * it was running (progress, lock renewal, completion) fails with one of these.
 */
export function lostBullJobId(err: unknown): string | undefined {
  const message = (err as { message?: unknown } | null)?.message;
  if (typeof message !== 'string') return undefined;
  return /(?:Missing (?:key|lock) for job|could not renew lock for job) (\S+?)\.?(?:\s|$)/.exec(message)?.[1];
}

/** `redis://user:secret@host:6379/0` → `redis://host:6379/0`: logs never carry the password. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return 'the configured Redis URL';
  }
}

const errorText = (err: unknown) => {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.message === 'string' ? e.message : String(err);
};

/**
 * One process's view of its Redis connections: one line when Redis becomes unreachable ("redis unreachable at …,
 * retrying") and one when it answers again ("redis back at … after N s"), however many clients retry in between.
 * ioredis keeps reconnecting on its own; this only decides what is worth saying.
 */
export function createRedisOutageLog(options: RedisOutageLogOptions): RedisOutageLog {
  const where = redactRedisUrl(options.url);
  const now = options.now ?? Date.now;
  const settleMs = options.settleMs ?? 2500;
  const listeners: ((downMs: number) => void)[] = [];
  let downSince: number | undefined;
  let backAt = Number.NEGATIVE_INFINITY;
  const lostJobs = new Set<string>();
  const watched: RedisEventSource[] = [];
  /**
   * An outage reported only through a BullMQ object (say its unwatched blocking connection reset) ends without a
   * watched client's `ready`: while down, check once a second whether every watched client is connected.
   */
  let poll: NodeJS.Timeout | undefined;

  const lost = (err: unknown) => {
    if (downSince !== undefined || now() - backAt < settleMs) return;
    downSince = now();
    options.log(`redis unreachable at ${where} (${errorText(err)}), retrying`);
    poll = setInterval(() => {
      if (watched.length > 0 && watched.every((c) => c.status === 'ready')) ready();
    }, 1000);
    poll.unref();
  };
  const ready = () => {
    if (downSince === undefined) return;
    clearInterval(poll);
    const downMs = now() - downSince;
    downSince = undefined;
    backAt = now();
    options.log(`redis back at ${where} after ${(downMs / 1000).toFixed(1)} s`);
    for (const l of listeners) l(downMs);
  };
  const error = (err: unknown, context: string) => {
    if (isRedisConnectionError(err)) return lost(err);
    const job = lostBullJobId(err);
    if (job === undefined) return options.log(`${context}: ${errorText(err)}`);
    if (lostJobs.has(job)) return;
    if (lostJobs.size >= 1000) lostJobs.clear();
    lostJobs.add(job);
    options.log(
      `job ${job} is gone from Redis (restarted empty?); the daemon reconciles it, later errors about it are not logged`,
    );
  };

  return {
    watch(client) {
      watched.push(client);
      client.on('error', (err) => error(err, 'redis error'));
      client.on('ready', ready);
    },
    error,
    handles: (err) => isRedisConnectionError(err) || lostBullJobId(err) !== undefined,
    get down() {
      return downSince !== undefined;
    },
    onBack(listener) {
      listeners.push(listener);
    },
  };
}
