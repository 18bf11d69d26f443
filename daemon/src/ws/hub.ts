import { randomBytes } from 'node:crypto';
import type { ServerMessage, UnsequencedServerMessage } from '@activeseg/protocol';

/** What the hub needs from a socket; `ws`'s WebSocket satisfies it, and tests use plain objects. */
export interface HubSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  /** Drops the connection at once: a closing handshake would queue behind the backlog the peer does not read. */
  terminate(): void;
}

const OPEN = 1;

export interface HubOptions {
  /** Broadcasts kept for replay on reconnect. */
  replayBufferSize: number;
  /**
   * Most bytes queued on one socket. A frame that would pass it terminates the socket (the viewer reconnects
   * and gets a replay or `resync`), except `tiles.updated`, which is dropped; a replay that would pass it is
   * answered with `resync` instead.
   */
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
  /**
   * Live state (patch holds) to every joined, interested socket: like `send`, the current seq and no replay, so
   * frequent changes never push the replayable events out of the buffer.
   */
  announce(msg: UnsequencedServerMessage): void;
  /** Starts delivering broadcasts to the socket (after its `hello`). */
  join(socket: HubSocket): void;
  leave(socket: HubSocket): void;
  /** Limits slide-scoped events for the socket to these slides; an empty list means all slides. */
  subscribe(socket: HubSocket, slideIds: readonly string[]): void;
  /**
   * Sends the broadcasts after `lastSeq`, or `resync` when they are gone, came from another daemon run, or
   * would not fit under `maxBufferedBytes`.
   */
  replay(socket: HubSocket, lastSeq: number, daemonId?: string): void;
  size(): number;
}

interface Buffered {
  msg: ServerMessage;
  /** Serialised once: replays to many sockets reuse it. */
  frame: string;
  bytes: number;
}

export function createHub(options: HubOptions): Hub {
  const daemonId = options.daemonId ?? randomBytes(8).toString('base64url');
  const buffer: Buffered[] = [];
  let seq = 0;
  // socket → slide filter (empty = all slides)
  const members = new Map<HubSocket, ReadonlySet<string>>();

  const wants = (socket: HubSocket, msg: ServerMessage): boolean => {
    const filter = members.get(socket);
    if (!filter || filter.size === 0) return true;
    if (
      msg.type === 'tiles.updated' ||
      msg.type === 'suggestions.updated' ||
      msg.type === 'patch.holds' ||
      msg.type === 'annotation.saved' ||
      msg.type === 'annotation.deleted'
    ) {
      return filter.has(msg.slideId);
    }
    return true;
  };

  const fits = (socket: HubSocket, bytes: number): boolean => socket.bufferedAmount + bytes <= options.maxBufferedBytes;

  /**
   * The one path every outbound frame takes. `ws` queues whatever it is given, so a peer that stops reading
   * would otherwise grow the daemon without bound; here it is cut off instead.
   */
  const deliver = (socket: HubSocket, msg: ServerMessage, frame: string, bytes: number): void => {
    if (socket.readyState !== OPEN) return;
    if (fits(socket, bytes)) {
      socket.send(frame);
      return;
    }
    // Tiles can be refetched, so a stale tiles.updated is dropped; anything else the viewer cannot rebuild
    // from a later frame, so the socket goes and the reconnect's replay (or resync) restores a true state.
    if (msg.type === 'tiles.updated') return;
    members.delete(socket);
    socket.terminate();
  };

  const frameOf = (msg: ServerMessage): Buffered => {
    const frame = JSON.stringify(msg);
    return { msg, frame, bytes: Buffer.byteLength(frame) };
  };

  const send = (socket: HubSocket, msg: UnsequencedServerMessage): void => {
    const b = frameOf({ ...msg, seq } as ServerMessage);
    deliver(socket, b.msg, b.frame, b.bytes);
  };

  return {
    daemonId,
    currentSeq: () => seq,
    broadcast(msg) {
      seq += 1;
      const b = frameOf({ ...msg, seq } as ServerMessage);
      buffer.push(b);
      if (buffer.length > options.replayBufferSize) buffer.shift();
      for (const socket of members.keys()) if (wants(socket, b.msg)) deliver(socket, b.msg, b.frame, b.bytes);
      return b.msg;
    },
    send,
    announce(msg) {
      const b = frameOf({ ...msg, seq } as ServerMessage);
      for (const socket of members.keys()) if (wants(socket, b.msg)) deliver(socket, b.msg, b.frame, b.bytes);
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
      const oldest = buffer[0]?.msg.seq ?? seq + 1;
      const sameRun = clientDaemonId === undefined || clientDaemonId === daemonId;
      // lastSeq > seq means the client saw a previous run; lastSeq < oldest - 1 means we dropped what it missed.
      if (!sameRun || lastSeq > seq || lastSeq < oldest - 1) {
        send(socket, { type: 'resync' });
        return;
      }
      const missed = buffer.filter((b) => b.msg.seq > lastSeq && wants(socket, b.msg));
      // All or nothing: a replay cut short by the cap would leave a gap the client cannot see.
      const total = missed.reduce((sum, b) => sum + b.bytes, 0);
      if (!fits(socket, total)) {
        send(socket, { type: 'resync' });
        return;
      }
      for (const b of missed) deliver(socket, b.msg, b.frame, b.bytes);
    },
    size: () => members.size,
  };
}
