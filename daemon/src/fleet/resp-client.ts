import { connect, type Socket } from 'node:net';

/**
 * A minimal RESP2 connection with the shape of Bun's built-in `RedisClient` (`send`, `connected`, `onconnect`,
 * `onclose`, `duplicate`), so BullMQ's own Bun adapter (`createBunRedisClient`) turns it into a full BullMQ client:
 * Lua scripts, MULTI/EXEC, pipelines and blocking pops all go through `send`. This lets the fleet run on the
 * bullmq package alone, without `ioredis` or `redis` installed.
 *
 * Replies: simple and bulk strings → string, integers → number, nil → null, arrays → arrays, error replies → a
 * rejected `Error` (or an `Error` element inside an EXEC array, as BullMQ's adapter expects).
 */
export interface RespClient {
  readonly connected: boolean;
  onconnect: (() => void) | undefined;
  onclose: ((error?: Error) => void) | undefined;
  onerror: ((error: Error) => void) | undefined;
  connect(): Promise<void>;
  send(command: string, args: readonly (string | Buffer | number)[]): Promise<unknown>;
  close(): void;
  /** A new, unconnected client for the same server (BullMQ's blocking connections). */
  duplicate(): Promise<RespClient>;
}

export interface RespClientOptions {
  host: string;
  port: number;
  db?: number;
  username?: string;
  password?: string;
  connectTimeoutMs?: number;
}

/** `redis://[user:pass@]host[:port][/db]` → options. Only plain TCP: the fleet talks to Redis on a trusted network. */
export function parseRedisUrl(url: string): RespClientOptions {
  const u = new URL(url);
  if (u.protocol !== 'redis:') throw new Error(`unsupported Redis URL ${JSON.stringify(url)}: expected redis://host:port`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  if (db !== undefined && !Number.isInteger(db)) throw new Error(`bad Redis database in ${JSON.stringify(url)}`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(db === undefined ? {} : { db }),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

class ReplyError extends Error {}

const INCOMPLETE = Symbol('incomplete');
type Parsed = { value: unknown; next: number } | typeof INCOMPLETE;

function parseReply(buf: Buffer, at: number): Parsed {
  if (at >= buf.length) return INCOMPLETE;
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return INCOMPLETE;
  const line = buf.toString('utf8', at + 1, eol);
  const after = eol + 2;
  switch (buf[at]) {
    case 0x2b: // '+'
      return { value: line, next: after };
    case 0x2d: // '-'
      return { value: new ReplyError(line), next: after };
    case 0x3a: // ':'
      return { value: Number(line), next: after };
    case 0x24: {
      // '$'
      const len = Number(line);
      if (len < 0) return { value: null, next: after };
      if (buf.length < after + len + 2) return INCOMPLETE;
      return { value: buf.toString('utf8', after, after + len), next: after + len + 2 };
    }
    case 0x2a: {
      // '*'
      const n = Number(line);
      if (n < 0) return { value: null, next: after };
      const items: unknown[] = [];
      let pos = after;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, pos);
        if (r === INCOMPLETE) return INCOMPLETE;
        items.push(r.value);
        pos = r.next;
      }
      return { value: items, next: pos };
    }
    default:
      throw new Error(`RESP protocol error: unexpected byte 0x${(buf[at] ?? 0).toString(16)}`);
  }
}

function encodeCommand(command: string, args: readonly (string | Buffer | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length + 1}\r\n`)];
  for (const a of [command, ...args]) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'utf8');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

export function createRespClient(options: RespClientOptions): RespClient {
  let socket: Socket | undefined;
  let isConnected = false;
  let connecting: Promise<void> | undefined;
  let buffer: Buffer = Buffer.alloc(0);
  const pending: { resolve(v: unknown): void; reject(e: Error): void }[] = [];

  const failPending = (err: Error) => {
    for (const p of pending.splice(0)) p.reject(err);
  };

  const onData = (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    let pos = 0;
    for (;;) {
      let r: Parsed;
      try {
        r = parseReply(buffer, pos);
      } catch (err) {
        socket?.destroy(err as Error);
        return;
      }
      if (r === INCOMPLETE) break;
      pos = r.next;
      const p = pending.shift();
      if (!p) continue; // a reply nobody waits for (cannot happen without pub/sub); drop it
      if (r.value instanceof ReplyError) p.reject(r.value);
      else p.resolve(r.value);
    }
    buffer = pos === buffer.length ? Buffer.alloc(0) : buffer.subarray(pos);
  };

  const raw = (command: string, args: readonly (string | Buffer | number)[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (!socket || socket.destroyed) {
        reject(new Error('Connection is closed.'));
        return;
      }
      pending.push({ resolve, reject });
      socket.write(encodeCommand(command, args));
    });

  const client: RespClient = {
    get connected() {
      return isConnected;
    },
    onconnect: undefined,
    onclose: undefined,
    onerror: undefined,
    connect() {
      if (isConnected) return Promise.resolve();
      connecting ??= new Promise<void>((resolve, reject) => {
        const s = connect({ host: options.host, port: options.port });
        socket = s;
        s.setNoDelay(true);
        const timer = setTimeout(
          () => s.destroy(new Error(`Redis connect timeout (${options.host}:${options.port})`)),
          options.connectTimeoutMs ?? 10_000,
        );
        let opened = false;
        s.on('data', onData);
        s.once('connect', () => {
          clearTimeout(timer);
          void (async () => {
            try {
              if (options.password !== undefined) {
                await raw('AUTH', options.username ? [options.username, options.password] : [options.password]);
              }
              if (options.db !== undefined) await raw('SELECT', [options.db]);
              opened = true;
              isConnected = true;
              resolve();
              client.onconnect?.();
            } catch (err) {
              s.destroy(err as Error);
            }
          })();
        });
        s.on('error', (err) => {
          client.onerror?.(err);
        });
        s.once('close', () => {
          clearTimeout(timer);
          const wasConnected = isConnected;
          isConnected = false;
          connecting = undefined;
          buffer = Buffer.alloc(0);
          const err = new Error('Connection closed');
          failPending(err);
          if (!opened) reject(new Error(`cannot connect to Redis at ${options.host}:${options.port}`));
          if (wasConnected) client.onclose?.(err);
        });
      });
      return connecting;
    },
    send(command, args) {
      if (!isConnected) {
        return Promise.reject(new Error('Connection closed'));
      }
      return raw(command, args);
    },
    close() {
      socket?.end();
      socket?.destroy();
    },
    duplicate: async () => createRespClient(options),
  };
  return client;
}
