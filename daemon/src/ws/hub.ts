import { randomBytes } from 'node:crypto';
import type { ServerMessage, UnsequencedServerMessage } from '@activeseg/protocol';

/** What the hub needs from a socket; `ws`'s WebSocket satisfies it, and tests use plain objects. */
export interface HubSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
}

const OPEN = 1;

export interface HubOptions {
  /** Broadcasts kept for replay on reconnect. */
  replayBufferSize: number;
  /** Over this many queued bytes on a socket, `tiles.updated` frames are dropped for that socket. */
  maxBufferedBytes: number;
  /** Identifies this daemon run; a client whose lastSeq came from another run gets `resync`. */
  daemonId?: string;
}

export interface Hub {
  readonly daemonId: string;
  /** seq of the latest broadcast (0 before any). */
  currentSeq(): number;
  /** Stamps the next seq, buffers for replay and sends to every joined, open, interested socket. */
  broadcast(msg: UnsequencedServerMessage): ServerMessage;
  /** A reply to one socket: carries the current seq, is not buffered, not replayed. */
  send(socket: HubSocket, msg: UnsequencedServerMessage): void;
  /** Starts delivering broadcasts to the socket (after its `hello`). */
  join(socket: HubSocket): void;
  leave(socket: HubSocket): void;
  /** Limits slide-scoped events for the socket to these slides; an empty list means all slides. */
  subscribe(socket: HubSocket, slideIds: readonly string[]): void;
  /** Sends the broadcasts after `lastSeq`, or `resync` when they are gone or came from another daemon run. */
  replay(socket: HubSocket, lastSeq: number, daemonId?: string): void;
  size(): number;
}

export function createHub(options: HubOptions): Hub {
  const daemonId = options.daemonId ?? randomBytes(8).toString('base64url');
  const buffer: ServerMessage[] = [];
  let seq = 0;
  // socket → slide filter (empty = all slides)
  const members = new Map<HubSocket, ReadonlySet<string>>();

  const wants = (socket: HubSocket, msg: ServerMessage): boolean => {
    const filter = members.get(socket);
    if (!filter || filter.size === 0) return true;
    if (msg.type === 'tiles.updated' || msg.type === 'suggestions.updated') return filter.has(msg.slideId);
    return true;
  };

  const deliver = (socket: HubSocket, msg: ServerMessage, frame: string): void => {
    if (socket.readyState !== OPEN) return;
    // Tiles can be refetched, so under backpressure a stale tiles.updated is dropped rather than queued;
    // job states and progress are not, because the viewer cannot rebuild them from a later frame.
    if (msg.type === 'tiles.updated' && socket.bufferedAmount > options.maxBufferedBytes) return;
    socket.send(frame);
  };

  return {
    daemonId,
    currentSeq: () => seq,
    broadcast(msg) {
      seq += 1;
      const full = { ...msg, seq } as ServerMessage;
      buffer.push(full);
      if (buffer.length > options.replayBufferSize) buffer.shift();
      const frame = JSON.stringify(full);
      for (const socket of members.keys()) if (wants(socket, full)) deliver(socket, full, frame);
      return full;
    },
    send(socket, msg) {
      if (socket.readyState !== OPEN) return;
      socket.send(JSON.stringify({ ...msg, seq }));
    },
    join(socket) {
      if (!members.has(socket)) members.set(socket, new Set());
    },
    leave(socket) {
      members.delete(socket);
    },
    subscribe(socket, slideIds) {
      members.set(socket, new Set(slideIds));
    },
    replay(socket, lastSeq, clientDaemonId) {
      const oldest = buffer[0]?.seq ?? seq + 1;
      const sameRun = clientDaemonId === undefined || clientDaemonId === daemonId;
      // lastSeq > seq means the client saw a previous run; lastSeq < oldest - 1 means we dropped what it missed.
      if (!sameRun || lastSeq > seq || lastSeq < oldest - 1) {
        this.send(socket, { type: 'resync' });
        return;
      }
      for (const m of buffer) if (m.seq > lastSeq && wants(socket, m)) deliver(socket, m, JSON.stringify(m));
    },
    size: () => members.size,
  };
}
