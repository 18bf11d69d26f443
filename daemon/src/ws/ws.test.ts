import { ServerMessage } from '@activeseg/protocol';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors/api-error.js';
import { createHub, type Hub } from './hub.js';
import {
  CLOSE_POLICY_VIOLATION,
  CLOSE_PROTOCOL_ERROR,
  CLOSE_PROTOCOL_MISMATCH,
  type ClientSocket,
  createSocketSession,
} from './socket.js';

/** A socket whose queue the test controls; `paused` makes every sent frame stay queued, like a peer that stopped reading. */
class FakeSocket implements ClientSocket {
  readyState = 1;
  bufferedAmount = 0;
  paused = false;
  frames: ServerMessage[] = [];
  closed?: number;
  terminated = false;
  send(data: string) {
    this.frames.push(ServerMessage.parse(JSON.parse(data)));
    if (this.paused) this.bufferedAmount += Buffer.byteLength(data);
  }
  close(code?: number) {
    this.closed = code;
    this.readyState = 2;
  }
  terminate() {
    this.terminated = true;
    this.readyState = 3;
  }
  types() {
    return this.frames.map((f) => f.type);
  }
}

const tiles = (slideId = 'sl_1') =>
  ({
    type: 'tiles.updated',
    slideId,
    layer: 'uncertainty',
    modelVersion: 1,
    bbox: { x: 0, y: 0, width: 1, height: 1 },
  }) as const;

const session = (
  hub: Hub,
  socket: FakeSocket,
  cancelJob: (id: string) => void = () => {},
  extra: { maxInboundFramesPerSecond?: number; now?: () => number } = {},
) =>
  createSocketSession(socket, {
    hub,
    maxInboundFramesPerSecond: 1000,
    backendName: () => 'fake',
    modelVersion: () => 3,
    cancelJob,
    ...extra,
  });

const hello = (extra: Record<string, unknown> = {}) => JSON.stringify({ type: 'hello', protocolVersion: 1, ...extra });

describe('hub', () => {
  it('stamps increasing seqs, skips closed sockets and drops tiles.updated under backpressure', () => {
    const hub = createHub({ replayBufferSize: 10, maxBufferedBytes: 1000 });
    const a = new FakeSocket();
    const b = new FakeSocket();
    const closed = new FakeSocket();
    closed.readyState = 3;
    for (const s of [a, b, closed]) hub.join(s);
    expect(hub.broadcast(tiles()).seq).toBe(1);
    b.bufferedAmount = 990;
    hub.broadcast(tiles());
    expect(a.frames.map((f) => f.seq)).toEqual([1, 2]);
    expect(b.frames.map((f) => f.seq)).toEqual([1]);
    expect(b.terminated).toBe(false);
    expect(closed.frames).toEqual([]);
  });

  it('terminates a socket that a job frame would take past maxBufferedBytes, and sends it nothing more', () => {
    const hub = createHub({ replayBufferSize: 10, maxBufferedBytes: 1000 });
    const slow = new FakeSocket();
    const fine = new FakeSocket();
    hub.join(slow);
    hub.join(fine);
    slow.bufferedAmount = 990;
    hub.broadcast({ type: 'job.state', jobId: 'jb_1', kind: 'infer', state: 'running' });
    expect(slow.terminated).toBe(true);
    expect(slow.frames).toEqual([]);
    expect(hub.size()).toBe(1);
    hub.broadcast({ type: 'job.state', jobId: 'jb_1', kind: 'infer', state: 'done' });
    expect(slow.frames).toEqual([]);
    expect(fine.frames.map((f) => f.seq)).toEqual([1, 2]);
  });

  it('bounds the bytes queued for a paused peer whatever the frame type (replies included)', () => {
    const hub = createHub({ replayBufferSize: 10, maxBufferedBytes: 2000 });
    const s = new FakeSocket();
    s.paused = true;
    hub.join(s);
    for (let i = 0; i < 200 && !s.terminated; i++) {
      if (i % 2) hub.broadcast({ type: 'job.progress', jobId: 'jb_1', kind: 'train', done: i, total: 200 });
      else hub.send(s, { type: 'error', code: 'BAD_MESSAGE', message: 'frame is not valid JSON' });
    }
    expect(s.terminated).toBe(true);
    expect(s.bufferedAmount).toBeLessThanOrEqual(2000);
    const sentBefore = s.frames.length;
    hub.send(s, { type: 'error', code: 'BAD_MESSAGE', message: 'x' });
    expect(s.frames.length).toBe(sentBefore);
  });

  it('answers resync instead of a replay that would not fit under maxBufferedBytes', () => {
    const hub = createHub({ replayBufferSize: 100, maxBufferedBytes: 1000 });
    for (let i = 0; i < 50; i++) hub.broadcast(tiles());
    const s = new FakeSocket();
    s.paused = true;
    hub.replay(s, 0, hub.daemonId);
    expect(s.types()).toEqual(['resync']);
    const small = new FakeSocket();
    hub.replay(small, 47, hub.daemonId);
    expect(small.frames.map((f) => f.seq)).toEqual([48, 49, 50]);
  });

  it('filters slide-scoped events by subscription', () => {
    const hub = createHub({ replayBufferSize: 10, maxBufferedBytes: 1 << 20 });
    const s = new FakeSocket();
    hub.join(s);
    hub.subscribe(s, ['sl_2']);
    hub.broadcast(tiles('sl_1'));
    hub.broadcast(tiles('sl_2'));
    hub.broadcast({ type: 'suggestions.updated', slideId: 'sl_1', modelVersion: 1 });
    expect(s.frames.map((f) => f.seq)).toEqual([2]);
  });
});

describe('socket session', () => {
  it('welcomes, then replays what a reconnecting client missed', () => {
    const hub = createHub({ replayBufferSize: 3, maxBufferedBytes: 1 << 20 });
    for (let i = 0; i < 5; i++) hub.broadcast(tiles());
    const s = new FakeSocket();
    session(hub, s).onMessage(
      JSON.stringify({ type: 'hello', protocolVersion: 1, lastSeq: 3, daemonId: hub.daemonId }),
    );
    expect(s.frames[0]).toMatchObject({
      type: 'welcome',
      seq: 5,
      backend: 'fake',
      modelVersion: 3,
      daemonId: hub.daemonId,
    });
    expect(s.frames.slice(1).map((f) => f.seq)).toEqual([4, 5]);
    hub.broadcast(tiles());
    expect(s.frames.at(-1)?.seq).toBe(6);
  });

  it.each([
    ['too old', 1, undefined],
    ['from the future (daemon restarted)', 99, undefined],
    ['from another daemon run', 5, 'other-daemon'],
  ])('sends resync when lastSeq is %s', (_n, lastSeq, daemonId) => {
    const hub = createHub({ replayBufferSize: 3, maxBufferedBytes: 1 << 20 });
    for (let i = 0; i < 5; i++) hub.broadcast(tiles());
    const s = new FakeSocket();
    session(hub, s).onMessage(JSON.stringify({ type: 'hello', protocolVersion: 1, lastSeq, daemonId }));
    expect(s.types()).toEqual(['welcome', 'resync']);
  });

  it('answers bad frames with BAD_MESSAGE and keeps the socket open', () => {
    const hub = createHub({ replayBufferSize: 3, maxBufferedBytes: 1 << 20 });
    const s = new FakeSocket();
    const sess = session(hub, s);
    sess.onMessage('{not json');
    sess.onMessage(JSON.stringify({ type: 'launch.missiles', id: 'r9' }));
    sess.onMessage(new ArrayBuffer(4));
    sess.onMessage(JSON.stringify({ type: 'job.cancel', jobId: 'jb_1' }));
    expect(s.frames.map((f) => (f.type === 'error' ? f.code : f.type))).toEqual([
      'BAD_MESSAGE',
      'BAD_MESSAGE',
      'BAD_MESSAGE',
      'BAD_MESSAGE',
    ]);
    expect(s.frames[1]).toMatchObject({ replyTo: 'r9' });
    expect(s.closed).toBeUndefined();
  });

  it('a second hello is PROTOCOL_VIOLATION: no second welcome or replay, the socket is closed and later frames ignored', () => {
    const hub = createHub({ replayBufferSize: 1024, maxBufferedBytes: 1 << 30 });
    for (let i = 0; i < 1024; i++)
      hub.broadcast({ type: 'job.progress', jobId: 'jb_1', kind: 'train', done: i, total: 1024 });
    const s = new FakeSocket();
    const sess = session(hub, s);
    sess.onMessage(hello({ lastSeq: 0, daemonId: hub.daemonId }));
    expect(s.frames).toHaveLength(1025);
    for (let i = 0; i < 100; i++) sess.onMessage(hello({ lastSeq: 0, daemonId: hub.daemonId, id: `h${i}` }));
    expect(s.frames).toHaveLength(1026);
    expect(s.frames.at(-1)).toMatchObject({ type: 'error', code: 'PROTOCOL_VIOLATION', replyTo: 'h0' });
    expect(s.closed).toBe(CLOSE_PROTOCOL_ERROR);
    expect(hub.size()).toBe(0);
  });

  it('closes a socket that sends more frames per second than allowed, after RATE_LIMITED', () => {
    const hub = createHub({ replayBufferSize: 3, maxBufferedBytes: 1 << 20 });
    let now = 0;
    const s = new FakeSocket();
    const sess = session(hub, s, () => {}, { maxInboundFramesPerSecond: 10, now: () => now });
    sess.onMessage(hello());
    for (let i = 0; i < 9; i++) sess.onMessage('{bad');
    expect(s.closed).toBeUndefined();
    now += 500; // half a second refills five frames
    for (let i = 0; i < 5; i++) sess.onMessage('{bad');
    expect(s.closed).toBeUndefined();
    sess.onMessage('{bad');
    expect(s.frames.at(-1)).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    expect(s.closed).toBe(CLOSE_POLICY_VIOLATION);
    const n = s.frames.length;
    sess.onMessage('{bad');
    expect(s.frames.length).toBe(n);
  });

  it('closes on a protocol mismatch after saying why', () => {
    const hub = createHub({ replayBufferSize: 3, maxBufferedBytes: 1 << 20 });
    const s = new FakeSocket();
    session(hub, s).onMessage(JSON.stringify({ type: 'hello', protocolVersion: 2 }));
    expect(s.frames[0]).toMatchObject({ type: 'error', code: 'PROTOCOL_MISMATCH' });
    expect(s.closed).toBe(CLOSE_PROTOCOL_MISMATCH);
    expect(hub.size()).toBe(0);
  });

  it('dispatches job.cancel and reports its ApiError with replyTo; leaves the hub on close', () => {
    const hub = createHub({ replayBufferSize: 3, maxBufferedBytes: 1 << 20 });
    const s = new FakeSocket();
    const cancelled: string[] = [];
    const sess = session(hub, s, (id) => {
      if (id === 'jb_gone') throw new ApiError('JOB_NOT_FOUND', 'no job');
      cancelled.push(id);
    });
    sess.onMessage(JSON.stringify({ type: 'hello', protocolVersion: 1 }));
    sess.onMessage(JSON.stringify({ type: 'job.cancel', jobId: 'jb_1' }));
    sess.onMessage(JSON.stringify({ type: 'job.cancel', jobId: 'jb_gone', id: 'c2' }));
    expect(cancelled).toEqual(['jb_1']);
    expect(s.frames.at(-1)).toMatchObject({ type: 'error', code: 'JOB_NOT_FOUND', replyTo: 'c2' });
    expect(hub.size()).toBe(1);
    sess.onClose();
    expect(hub.size()).toBe(0);
  });
});
