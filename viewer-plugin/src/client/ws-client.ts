import {
  type ClientMessage,
  type ErrorCode,
  PROTOCOL_VERSION,
  type Region,
  ServerMessage,
  type ServerMessageType,
} from '@activeseg/protocol';
import { createEmitter } from './create-emitter.js';
import { createReconnectPolicy, type ReconnectPolicy } from './reconnect-policy.js';

/** The part of the browser WebSocket this client uses; tests inject a fake with the same shape. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => unknown) | null;
  onmessage: ((ev: MessageEvent) => unknown) | null;
  onclose: ((ev: CloseEvent) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string[]) => WebSocketLike;

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed';

export interface ConnectionChange {
  state: ConnectionState;
  /** Retry number for `reconnecting`, from 0. */
  attempt?: number;
  /** Milliseconds until the next try, for `reconnecting`. */
  delayMs?: number;
  /** Why the socket stopped, for `failed` (no more retries) or a close. */
  reason?: string;
  /** For `failed`: `UNAUTHORIZED` (the daemon refused the token) or `PROTOCOL_MISMATCH`. */
  code?: ErrorCode;
}

/**
 * Answer of a token check over HTTP. `unknown` covers everything that is not a clear "no" (daemon down,
 * network error, 5xx): the client keeps retrying then.
 */
export type TokenCheck = 'accepted' | 'refused' | 'unknown';

export interface InvalidFrame {
  /** The frame as received (string), or undefined for binary frames. */
  raw: string | undefined;
  reason: string;
}

export type ServerMessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;

export type WsClientEventMap = { [K in ServerMessageType]: ServerMessageOf<K> } & {
  /** Every valid server message, after the typed event. */
  message: ServerMessage;
  connection: ConnectionChange;
  'invalid-frame': InvalidFrame;
};

export interface WsClientOptions {
  /** `ws://host/ws` (see `wsEndpoint`). */
  url: string;
  /** Subprotocols to offer; the daemon reads the token from them (see `wsEndpoint`). */
  protocols?: readonly string[];
  /** Default `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
  policy?: ReconnectPolicy;
  /** Slides whose slide-scoped events to receive; re-sent after every (re)connect. */
  slideIds?: readonly string[];
  /**
   * Asks the daemon over HTTP whether the token is still good. Browsers hide the status of a refused upgrade
   * (a 401 and a daemon that is down both end in close 1006), so after a socket closes without a `welcome`
   * the client asks; on `refused` it stops with state `failed`, code `UNAUTHORIZED`, instead of retrying
   * forever. Without it, every close is retried.
   */
  checkToken?: () => Promise<TokenCheck>;
  /** A held patch is re-sent this often, so the daemon's hold timeout only frees patches of tabs gone quiet. Default 5 min. */
  holdRenewMs?: number;
}

export interface WsClient {
  on<K extends keyof WsClientEventMap>(type: K, listener: (payload: WsClientEventMap[K]) => void): () => void;
  /** Sends when open; returns false (and drops the message) otherwise, because commands are not safe to replay late. */
  send(message: ClientMessage): boolean;
  subscribe(slideIds: readonly string[]): void;
  /**
   * Tells other pages this tab edits a patch (`undefined`: it stopped). Kept and re-sent after every reconnect,
   * since the daemon releases a socket's hold when it closes.
   */
  hold(hold: PatchHoldRequest | undefined): void;
  /**
   * Tells the daemon which level-0 region of a slide is on screen (it scores those cells first); kept and sent
   * again after a reconnect, like the subscription.
   */
  viewport(slideId: string, region: Region): void;
  readonly state: ConnectionState;
  /** Highest broadcast `seq` seen; sent back in `hello.lastSeq` on reconnect. */
  readonly lastSeq: number | undefined;
  readonly daemonId: string | undefined;
  /** Stops for good: closes the socket, cancels a pending retry and removes every listener. */
  close(): void;
}

/** Close code the daemon uses after PROTOCOL_MISMATCH: reconnecting cannot help, the page must reload. */
const CLOSE_PROTOCOL_MISMATCH = 4001;
const OPEN = 1;

const BROADCAST_TYPES: ReadonlySet<ServerMessageType> = new Set([
  'job.progress',
  'job.state',
  'tiles.updated',
  'suggestions.updated',
  'slide.removed',
  'slide.added',
  'annotation.saved',
  'annotation.deleted',
  'model.added',
  // Not `patch.holds`: it is live state sent with the current seq and never replayed, so it must not move lastSeq.
]);

/** What `hold` sends: `patch.hold` without its type and id. */
export type PatchHoldRequest = Omit<Extract<ClientMessage, { type: 'patch.hold' }>, 'type' | 'id'>;

/**
 * WebSocket to the daemon: says `hello` with the last seen `seq` and `daemonId` so the daemon can replay what
 * was missed, validates every inbound frame with `ServerMessage.safeParse` (invalid ones are reported and
 * dropped, never passed on), and reconnects with backoff until closed, unless the daemon refuses the token
 * (see `checkToken`) or speaks another protocol version: then it stops in state `failed`.
 */
export function createWsClient(options: WsClientOptions): WsClient {
  const Ctor = options.WebSocket ?? (globalThis.WebSocket as WebSocketConstructor | undefined);
  if (!Ctor) throw new Error('createWsClient: no WebSocket implementation available');
  const policy = options.policy ?? createReconnectPolicy();
  const emitter = createEmitter<WsClientEventMap>();
  let socket: WebSocketLike | undefined;
  let state: ConnectionState = 'connecting';
  let lastSeq: number | undefined;
  let daemonId: string | undefined;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let slideIds = options.slideIds ? [...options.slideIds] : undefined;
  let held: PatchHoldRequest | undefined;
  let renewTimer: ReturnType<typeof setInterval> | undefined;
  const isOpen = (ws: WebSocketLike | undefined): ws is WebSocketLike =>
    ws !== undefined && ws.readyState === OPEN && state === 'open';
  let shown: { slideId: string; region: Region } | undefined;
  // Whether this socket's hello asked for a replay; decides if `welcome.seq` becomes the new baseline.
  let askedReplay = false;
  // Whether the current socket got its `welcome`: only a socket that never did can have been refused.
  let welcomed = false;

  const setState = (change: ConnectionChange): void => {
    state = change.state;
    emitter.emit('connection', change);
  };

  const rawSend = (ws: WebSocketLike, message: ClientMessage): void => ws.send(JSON.stringify(message));

  const handleFrame = (data: unknown): void => {
    if (typeof data !== 'string') {
      emitter.emit('invalid-frame', { raw: undefined, reason: 'binary frame' });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      emitter.emit('invalid-frame', { raw: data, reason: 'not JSON' });
      return;
    }
    const parsed = ServerMessage.safeParse(json);
    if (!parsed.success) {
      const reason = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`)
        .join('; ');
      emitter.emit('invalid-frame', { raw: data, reason });
      return;
    }
    const msg = parsed.data;
    if (BROADCAST_TYPES.has(msg.type)) {
      // A replay can overlap what was already delivered; a seq at or below the mark was handled before.
      if (lastSeq !== undefined && msg.seq <= lastSeq) return;
      lastSeq = msg.seq;
    } else if (msg.type === 'welcome') {
      const restarted = daemonId !== undefined && msg.daemonId !== daemonId;
      daemonId = msg.daemonId;
      // Without a replay the stream continues from the daemon's current position.
      if (!askedReplay || restarted) lastSeq = msg.seq;
      attempt = 0;
      welcomed = true;
      setState({ state: 'open' });
      if (slideIds && socket) rawSend(socket, { type: 'slide.subscribe', slideIds });
      if (held && socket) rawSend(socket, { type: 'patch.hold', ...held });
      if (shown && socket) rawSend(socket, { type: 'slide.viewport', ...shown });
    } else if (msg.type === 'resync') {
      // The viewer refetches state over HTTP; the stream continues from here.
      lastSeq = msg.seq;
    }
    (emitter.emit as (type: ServerMessageType, payload: ServerMessage) => void)(msg.type, msg);
    emitter.emit('message', msg);
  };

  const connect = (): void => {
    retryTimer = undefined;
    if (stopped) return;
    const ws = options.protocols?.length ? new Ctor(options.url, [...options.protocols]) : new Ctor(options.url);
    socket = ws;
    welcomed = false;
    ws.onopen = () => {
      askedReplay = lastSeq !== undefined && daemonId !== undefined;
      rawSend(ws, {
        type: 'hello',
        protocolVersion: PROTOCOL_VERSION,
        ...(askedReplay ? { lastSeq, daemonId } : {}),
      });
    };
    ws.onmessage = (ev) => {
      if (socket === ws) handleFrame(ev.data);
    };
    // Errors are always followed by close, which decides what happens next.
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      if (socket !== ws) return;
      socket = undefined;
      if (stopped) return;
      if (ev.code === CLOSE_PROTOCOL_MISMATCH) {
        setState({
          state: 'failed',
          code: 'PROTOCOL_MISMATCH',
          reason: ev.reason || 'protocol mismatch: reload the page',
        });
        return;
      }
      const reason = ev.reason || `closed (${ev.code})`;
      if (welcomed || !options.checkToken) {
        retry(reason);
        return;
      }
      options
        .checkToken()
        .catch((): TokenCheck => 'unknown')
        .then((answer) => {
          if (stopped) return;
          if (answer === 'refused') setState({ state: 'failed', code: 'UNAUTHORIZED', reason: 'token refused' });
          else retry(reason);
        });
    };
  };

  const retry = (reason: string): void => {
    const delayMs = policy.delayMs(attempt);
    setState({ state: 'reconnecting', attempt, delayMs, reason });
    attempt++;
    retryTimer = setTimeout(connect, delayMs);
  };

  connect();

  return {
    on: (type, listener) => emitter.on(type, listener),
    send(message) {
      if (!socket || socket.readyState !== OPEN || state !== 'open') return false;
      rawSend(socket, message);
      return true;
    },
    subscribe(ids) {
      slideIds = [...ids];
      if (shown && !slideIds.includes(shown.slideId)) shown = undefined;
      if (socket && socket.readyState === OPEN && state === 'open')
        rawSend(socket, { type: 'slide.subscribe', slideIds });
    },
    hold(next) {
      const had = held !== undefined;
      held = next;
      if (renewTimer !== undefined) clearInterval(renewTimer);
      renewTimer = undefined;
      if (next) {
        renewTimer = setInterval(
          () => {
            if (held && isOpen(socket)) rawSend(socket, { type: 'patch.hold', ...held });
          },
          options.holdRenewMs ?? 5 * 60_000,
        );
      }
      if (!isOpen(socket)) return;
      if (next) rawSend(socket, { type: 'patch.hold', ...next });
      else if (had) rawSend(socket, { type: 'patch.release' });
    },
    viewport(slideId, region) {
      shown = { slideId, region };
      if (socket && socket.readyState === OPEN && state === 'open')
        rawSend(socket, { type: 'slide.viewport', ...shown });
    },
    get state() {
      return state;
    },
    get lastSeq() {
      return lastSeq;
    },
    get daemonId() {
      return daemonId;
    },
    close() {
      if (stopped) return;
      stopped = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      if (renewTimer !== undefined) clearInterval(renewTimer);
      const ws = socket;
      socket = undefined;
      ws?.close(1000, 'viewer closed');
      setState({ state: 'closed' });
      emitter.clear();
    },
  };
}
